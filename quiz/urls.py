from django.urls import path

from quiz.views import account, bank, flags, history, interviews, pages

app_name = "quiz"
urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("history/", history.history, name="history"),
    path("progress/", history.progress, name="progress"),
    path("account/", account.account, name="account"),
    path("account/delete/", account.delete_account, name="account-delete"),
    path("account/export/", history.export, name="export"),
    path("questions/", bank.bank, name="bank"),
    path("questions/<int:pk>/", bank.question, name="question"),
    path("questions/<int:pk>/note/", bank.save_note, name="question-note"),
    path("questions/<int:pk>/bookmark/", bank.set_bookmark, name="question-bookmark"),
    path("questions/<int:pk>/flag/", flags.flag_answer, name="flag-answer"),
    path("my-flags/", flags.my_flags, name="my-flags"),
    path("review-queue/", flags.review_queue, name="review-queue"),
    path("review-queue/flags/<int:pk>/dismiss/", flags.dismiss_flag, name="flag-dismiss"),
    path("review-queue/flags/<int:pk>/accept/", flags.accept_flag, name="flag-accept"),
    path("review-queue/questions/<int:pk>/answer/", flags.answer_edit, name="answer-edit"),
    path("interviews/new/", interviews.interview_new, name="interview-new"),
    path("review/", interviews.review_start, name="review-start"),
    path("interviews/<int:pk>/", interviews.interview_step, name="interview-step"),
    path("interviews/<int:pk>/end/", interviews.end_interview, name="interview-end"),
    path("interviews/<int:pk>/results/", interviews.results, name="results"),
    path("interviews/<int:pk>/practise-missed/", interviews.practise_missed, name="practise-missed"),
    path("interviews/<int:pk>/items/<int:item_pk>/reveal/", interviews.reveal_item, name="item-reveal"),
    path("interviews/<int:pk>/items/<int:item_pk>/grade/", interviews.grade_item, name="item-grade"),
    path("interviews/<int:pk>/items/<int:item_pk>/skip/", interviews.skip_item, name="item-skip"),
    path("interviews/<int:pk>/items/<int:item_pk>/flag/", interviews.flag_item, name="item-flag"),
    path("interviews/<int:pk>/items/<int:item_pk>/answer/", interviews.save_answer, name="item-answer"),
]
