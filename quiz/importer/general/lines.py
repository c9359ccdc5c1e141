"""One line at a time: headings, ``Q:`` labels, bold questions, and the answer text between them."""

from quiz.importer import markers as m
from quiz.importer.blocks import STRUCTURE_RE
from quiz.importer.common import MAX_TITLE, Code, ContentError, Problem, parse_heading
from quiz.importer.general.contents import TOC_TITLES, _number
from quiz.importer.general.heading_survey import heading_words
from quiz.importer.general.survey import BLOCK_START_RE


class LineReading:
    def code(self, code: Code) -> None:
        if self.open is None:
            return  # reported as ignored
        for no, raw in enumerate(code.raw, code.no):
            self.answer(no, raw, True)

    def line(self, no: int, line: str, stripped: str) -> None:
        opened = self.open
        if not stripped:
            if opened is not None:
                opened.prompt_open = False
                if no < opened.answer_from:  # between a prompt's table and its next words: keep them apart
                    opened.more_prompt.append(("", False))
                elif opened.answering:
                    opened.answer.append(("", False))
            return
        indent = len(line) - len(line.lstrip(" "))
        if indent <= 3 and (heading := parse_heading(line[indent:])):
            self.heading(no, line, *heading)
            return
        if opened is not None and opened.kind == "heading":
            if opened.item is not None and self.ends_follow_up(no, line, opened.item):
                return
            if indent == 0 and (labelled := m.question_label(stripped))[0]:
                if opened.q_heading:  # "### Q: Why …?" then "**Question:** Explain …": one question
                    opened.raw.prompt += "\n\n" + m.clean_prompt(labelled[1])
                    self.draft.use(no)
                    return
                if self.question_line(no, stripped):
                    return  # "Q: …" after a heading question's answer: the next question
            if (level := m.level_label(stripped)) is not None:
                opened.raw.difficulty = level  # "**Difficulty:** Medium" under the question
                self.draft.use(no)
                return
            self.answer(no, line)
            return
        if self.question_line(no, stripped):
            return
        if opened is not None and not opened.answering:
            labelled, rest = m.answer_label(stripped)
            if labelled:
                self.draft.use(no)
                opened.answering, opened.prompt_open = True, False
                if rest.strip():
                    self.answer(no, rest)
                return
        if (item := self.list_item_of(line)) is not None and self.list_item(no, line, item):
            return
        if opened is not None:
            if opened.prompt_open and opened.kind in ("item", "label") and not BLOCK_START_RE.match(stripped):
                asked = opened.raw.prompt.rstrip(" *_").endswith(m.ASKS)
                if line[:1] not in " \t" and self.folded(opened.raw.prompt, stripped):
                    # "1. What is bagging?" then "What is boosting?" with no blank line: two questions
                    self.start(no, stripped, None, opened.kind, item=opened.item)
                    return
                if asked and line[:1] not in " \t" and not opened.answer_from:
                    self.answer(no, line)  # "**Q3: What is X?**" then its answer on the next line
                    return
                opened.raw.prompt += " " + stripped
                self.draft.use(no)
            else:
                self.answer(no, line)
        elif self.intro or STRUCTURE_RE.fullmatch(stripped):
            self.draft.use(no)

    def question_line(self, no: int, stripped: str) -> bool:
        """A ``Q:`` line or a bold line that asks starts a question; a ``Follow-up:`` line a follow-up."""
        if (follow_up := m.follow_up(stripped, self.markers, heading=False)) is not None:
            self.start_follow_up(no, *follow_up)
            return True
        labelled, rest = m.question_label(stripped)
        if labelled:
            answer = ""
            if split := m.INLINE_ANSWER_RE.search(rest):
                rest, answer = rest[: split.start()], rest[split.end() :].strip()
            difficulty, prompt = m.split_difficulty(rest.strip(), self.markers)
            self.start(no, prompt, difficulty, "label")
            if answer:
                self.answer(no, answer)
            return True
        if (bold := self.bold_question(stripped)) is not None:
            self.start(no, bold[1], bold[0], "bold", answering=True, prompt_open=False)
            return True
        return False

    def start_follow_up(self, no: int, difficulty: str | None, prompt: str, **how) -> None:
        """A follow-up under a list question reads like one (the next item ends it); else like ``Q:``."""
        parent = self.open
        if how:
            # A heading under a list question: its answer runs to the heading or the list's next item.
            chain_item = parent.item if parent is not None else None
            self.start(no, prompt, difficulty, "heading", follows=True, item=chain_item, **how)
        elif parent is not None and parent.kind == "item":
            self.start(no, prompt, difficulty, "item", follows=True, item=parent.item)
        else:
            self.start(no, prompt, difficulty, "label", follows=True)

    def bold_question(self, stripped: str) -> tuple[str | None, str] | None:
        delimiter = stripped[:2]
        if delimiter not in ("**", "__"):
            return None
        end = stripped.find(delimiter, 2)
        if end < 0:
            return None
        inner, rest = stripped[2:end].strip(), stripped[end + 2 :].strip()
        numbered = bool(m.PREFIX_RE.fullmatch(inner))
        if numbered and rest:
            text = rest  # **3)** What is X?
        elif m.PREFIX_RE.match(inner) and not m.SECTION_NUMBER_RE.match(inner):
            numbered, text = True, f"{inner} {rest}".strip()  # **1) FizzBuzz.** Print 1 to 100
        elif not rest or m.split_difficulty("x " + rest, self.markers)[1] == "x":
            text = f"{inner} {rest}".strip()  # **What is X?** 👶
        else:
            return None
        difficulty, text = m.split_difficulty(text, self.markers)
        prefixed, text = m.strip_prefix(text)
        if text.rstrip("*_ ").endswith(":") and not numbered:
            return None  # "**Example:**"
        if text.endswith(m.ASKS) or difficulty or numbered or prefixed or m.looks_like_question(text):
            return difficulty, text
        return None

    def heading(self, no: int, line: str, level: int, words: str) -> None:
        opened = self.open
        words = m.drop_source_link(words)
        if not words:
            self.draft.empty_heading(level, no)
            self.draft.use(no)
            return
        if m.FOLLOW_UP_RE.match(words):
            if (follow_up := m.follow_up(words, self.markers, heading=True)) is None:
                raise ContentError([Problem(self.path, no, "follow-up heading has no question")])
            self.start_follow_up(no, *follow_up, level=level, answering=True, prompt_open=False)
            return
        bare = m.drop_leading_symbols(words)  # "🔹 Q7: Explain …" asks as "Q7: Explain …" does
        difficulty, text = m.split_difficulty(bare, self.markers)
        prefixed, text = m.strip_prefix(text)
        q_prefix = prefixed and bare.lstrip("[ EMHemh]").lower().startswith("q")
        if q_prefix and (number := _number(bare)):
            self.numbers.add(number)
        asks = text.endswith(m.ASKS) or q_prefix or difficulty is not None
        if opened is not None and m.answer_label(words) == (True, ""):
            self.draft.use(no)  # "### Answer": a label, not text
            opened.answering, opened.prompt_open = True, False
            return
        deeper = opened is not None and opened.kind == "heading" and level > opened.level
        # "#### 64) Given …, why would this be incorrect :" in a file of numbered question headings
        numbered_question = prefixed and not q_prefix and not deeper and self.survey.headings_ask
        labels = words.endswith(":") and not numbered_question  # "### Main Components:", "#### Example:"
        if opened is not None and (labels or (deeper and not asks)):
            self.answer(no, line)
            return
        if asks and not text.rstrip("? \t"):
            raise ContentError([Problem(self.path, no, "question heading has no text")])
        long = len(words) > MAX_TITLE  # no section title is that long: a question without a "?"
        if not labels and (
            asks or long or numbered_question or (not deeper and self.imperative(text, prefixed))
        ):
            opened = self.start(
                no, text, difficulty, "heading", level=level, answering=True, prompt_open=False
            )
            opened.q_heading = q_prefix
            return
        surveyed = self.heading_survey.get(no)
        if not labels and not deeper and surveyed and (surveyed.sets_task or surveyed.topic_among_questions):
            # "## 🔹 Q7: Explain …", "### Provide an overview of …", "#### Types of kernels" among questions
            prompt = heading_words(words, self.markers)[1]
            self.start(no, prompt, difficulty, "heading", level=level, answering=True, prompt_open=False)
            return
        self.close()
        self.draft.use(no)
        self.in_toc = words.lower().strip(" :") in TOC_TITLES
        if self.in_toc:
            return
        first = level == 1 and self.file_heading is None and len(self.draft.sections) == 1
        if first and not self.draft.questions:
            self.file_heading = (words, no)
            return
        self.intro = False
        self.section = self.draft.open_section(level, words, no)

    @staticmethod
    def folded(prompt: str, line: str) -> bool:
        """Whether ``line``, right under a prompt that has asked, asks a question of its own."""
        return (
            prompt.rstrip(" *_").endswith(m.ASKS)
            and line.rstrip(" *_").endswith(m.ASKS)
            and m.words_start(line) in m.QUESTION_WORDS
            and len(line.split()) > 2
        )

    @staticmethod
    def imperative(text: str, numbered: bool) -> bool:
        """``## Explain X``, ``## 12. Describe X.``: a heading that sets a task is a question too."""
        first = m.words_start(text)
        if first == "how" and text.lower().startswith(("how to ", "how it works")):
            return numbered
        if numbered and m.looks_like_list_question(text):
            return True
        # "List 99 ML questions", "Questions to ask" title lists of questions
        return first in m.QUESTION_WORDS and len(text.split()) > 2 and "question" not in text.lower()
