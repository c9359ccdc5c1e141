from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = "Question bank and interviews"

    def ready(self) -> None:
        from quiz import throttles  # noqa: F401 (connects the failed sign-in counter)
