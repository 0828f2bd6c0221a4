"""Analytics on hand-written transcripts with exact expected values (no models)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from meeting_analytics.analytics import FillerLexicon, analyze, find_fillers
from meeting_analytics.analytics.fillers import english
from meeting_analytics.transcript import Transcript
from helpers import meeting


FILLER_CASES = [
    ("um I think uh the answer is like forty two", {"hesitation": 2, "discourse_marker": 1}),
    ("I like Python a lot", {}),
    ("that sounds like a good plan", {}),
    ("it is, like, broken again", {"discourse_marker": 1}),
    ("so we moved the billing service", {"discourse_marker": 1}),
    ("why did the shipment arrive so late", {}),
    ("well, I think it works well", {"discourse_marker": 1}),
    ("it is a kind of bug", {}),
    ("it is kind of slow today", {"discourse_marker": 1}),
    ("you know, the release is late", {"discourse_marker": 1}),
    ("do you know the answer?", {}),
    ("I I I think the- the plan is fine", {"repetition": 2}),
    ("I know that that is fine", {}),
    ("basically we are done actually", {"discourse_marker": 2}),
    ("we ship on friday, right?", {"discourse_marker": 1}),
    ("turn right at the corner", {}),
    ("okay, so let us start", {"discourse_marker": 2}),
    ("I mean, it is not ready", {"discourse_marker": 1}),
    ("hmm er I would like to check the invoice", {"hesitation": 2}),
]


@pytest.mark.parametrize("text, expected", FILLER_CASES)
def test_filler_context_rules(text, expected):
    occ = find_fillers(meeting([("A", 0, 5, text)]).words_frame())
    assert occ.groupby("category").size().to_dict() == expected, occ[["text", "category", "context"]]


def test_filler_counts_per_speaker_and_rates():
    t = meeting([("A", 0, 30, "um so I think uh we should like ship it"), ("B", 30, 60, "I like it, you know, really")],
                turns=[(0, 30, "A"), (30, 60, "B")])
    r = analyze(t)
    c = r.filler_counts.set_index(["speaker", "category"])
    assert c.loc[("A", "hesitation"), "count"] == 2
    assert c.loc[("A", "discourse_marker"), "count"] == 2  # so (opening), like (after "should")
    assert c.loc[("A", "all"), "count"] == 4
    assert c.loc[("A", "all"), "per_minute"] == pytest.approx(8.0)  # 4 in 30 s of talk
    assert c.loc[("A", "all"), "per_100_words"] == pytest.approx(40.0)  # 4 of 10 words
    assert c.loc[("B", "discourse_marker"), "count"] == 1  # "you know"; "I like it" is content
    assert c.loc[("B", "repetition"), "count"] == 0
    phrase = r.fillers[r.fillers.speaker == "B"].iloc[0]
    assert phrase.text == "you know," and phrase.start == pytest.approx(45.0) and "[you]" in phrase.context


def test_custom_and_file_lexicons(tmp_path):
    t = meeting([("A", 0, 4, "we use Acme cloud and acme tools")])
    lex = english().extend(["acme"])
    occ = find_fillers(t.words_frame(), lex)
    assert occ[occ.category == "custom"].shape[0] == 2
    path = tmp_path / "fillers.json"
    path.write_text(json.dumps({"hesitation": ["ehm"], "custom": ["cloud"]}))
    lex = FillerLexicon.from_file(path)
    occ = find_fillers(meeting([("A", 0, 4, "ehm the cloud ehm")]).words_frame(), lex)
    assert occ.groupby("category").size().to_dict() == {"hesitation": 2, "custom": 1}
    txt = tmp_path / "fillers.txt"
    txt.write_text("# one per line\nyou see\thesitation\n")
    occ = find_fillers(meeting([("A", 0, 4, "you see it works")]).words_frame(), FillerLexicon.from_file(txt))
    assert occ.text.tolist() == ["you see"]


def test_unknown_language_lexicon_is_a_clear_error():
    with pytest.raises(ValueError, match="no built-in filler lexicon"):
        analyze(meeting([("A", 0, 2, "hallo welt")], language="xx"))


def talk_meeting() -> Transcript:
    # A talks 0-10, B starts at 9 (A stops 1 s later: an interruption), A 16-20, B 25-30 with a question.
    utts = [("A", 0, 10, " ".join(["word"] * 20)), ("B", 9, 15, "I have to stop you there"),
            ("A", 16, 20, "what is the price?"), ("B", 25, 30, "ten dollars a month is the price")]
    return meeting(utts, turns=[(0, 10, "A"), (9, 15, "B"), (16, 20, "A"), (25, 30, "B")], duration=30)


def test_talk_metrics_on_constructed_timings():
    r = analyze(talk_meeting())
    s = r.speakers.set_index("speaker")
    assert s.loc["A", "talk_time"] == pytest.approx(14.0) and s.loc["B", "talk_time"] == pytest.approx(11.0)
    assert s.loc["A", "share"] == pytest.approx(14 / 25)
    assert s.loc["A", "words"] == 24 and s.loc["B", "words"] == 13
    assert s.loc["A", "wpm"] == pytest.approx(24 / (14 / 60))
    assert (s.loc["A", "turns"], s.loc["B", "turns"]) == (2, 2)
    assert s.loc["A", "longest_turn"] == pytest.approx(10.0) and s.loc["A", "mean_turn"] == pytest.approx(7.0)
    assert (s.loc["A", "questions"], s.loc["B", "questions"]) == (1, 0)
    assert (s.loc["B", "interruptions"], s.loc["A", "interruptions"]) == (1, 0)
    assert s.loc["A", "interrupted"] == 1
    assert s.loc["A", "overlap_time"] == pytest.approx(1.0) and s.loc["B", "overlaps"] == 1
    assert s.loc["B", "mean_response_latency"] == pytest.approx((-1 + 5) / 2)
    assert s.loc["A", "mean_response_latency"] == pytest.approx(1.0)
    m = r.meeting
    assert m.silence_share == pytest.approx(6 / 30) and m.speaker_switches == 3
    assert m.switches_per_minute == pytest.approx(6.0)


def test_questions_and_answers():
    r = analyze(talk_meeting())
    q = r.questions
    assert q.shape[0] == 1
    row = q.iloc[0]
    assert (row.speaker, row.question, row.answered_by) == ("A", "what is the price?", "B")
    assert row.answer == "ten dollars a month is the price" and row.latency == pytest.approx(5.0)
    unanswered = analyze(meeting([("A", 0, 2, "Fine. Any questions?")])).questions.iloc[0]
    assert unanswered.question == "Any questions?" and unanswered.answered_by is None


def test_vader_sign_per_utterance_and_speaker():
    t = meeting([("client", 0, 4, "Thank you, this is great and very helpful!"),
                 ("agent", 4, 8, "This is terrible, the order is broken and I am angry."),
                 ("client", 8, 10, "The invoice is attached.")])
    r = analyze(t)
    u = r.utterances
    assert u.sentiment.iloc[0] > 0.5 and u.label.iloc[0] == "positive"
    assert u.sentiment.iloc[1] < -0.5 and u.label.iloc[1] == "negative"
    assert u.label.iloc[2] == "neutral"
    mood = r.speakers.set_index("speaker")
    assert mood.loc["client", "mean_sentiment"] > 0 > mood.loc["agent", "mean_sentiment"]
    assert mood.loc["client", "positive_share"] == pytest.approx(0.5)
    assert not r.timeline.empty and set(r.timeline.speaker) == {"agent", "client"}


def test_empty_and_single_speaker_reports_are_well_defined():
    empty = analyze(Transcript("en", 10.0))
    assert all(frame.empty for frame in empty.frames().values())
    assert empty.meeting.words == 0 and empty.meeting.silence_share == 1.0
    json.loads(empty.to_json())
    solo = analyze(meeting([("A", 0, 5, "um hello there")]))
    assert solo.speakers.speaker.tolist() == ["A"] and solo.speakers.share.iloc[0] == 1.0
    assert solo.questions.empty


def test_report_saves_csv_parquet_json(tmp_path):
    r = analyze(talk_meeting())
    written = r.save(tmp_path)
    assert {p.name for p in written} >= {"speakers.csv", "speakers.parquet", "fillers.csv", "report.json"}
    assert pd.read_parquet(tmp_path / "speakers.parquet").equals(r.speakers.reset_index(drop=True))
    assert pd.read_csv(tmp_path / "questions.csv").answered_by.tolist() == ["B"]
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["meeting"]["speaker_switches"] == 3 and len(data["speakers"]) == 2


def test_import_and_analytics_do_not_load_torch(tmp_path):
    import subprocess
    import sys

    path = talk_meeting().save(tmp_path / "t.json")
    code = ("import sys, meeting_analytics as ma; r = ma.analyze(sys.argv[1]); "
            "assert len(r.speakers) == 2; "
            "print(sorted(m for m in ('torch', 'whisperx', 'pyannote.audio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_transformer_sentiment_from_local_directory(tmp_path):
    """The pluggable scorer path with a small classifier saved locally (random weights: plumbing only)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "great", "terrible", "the", "order", "is"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"},
                        label2id={"NEGATIVE": 0, "POSITIVE": 1})
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    from meeting_analytics.analytics.sentiment import TransformersScorer

    scorer = TransformersScorer(str(tmp_path))
    r = analyze(talk_meeting(), scorer=scorer)
    assert r.utterances.sentiment.between(-1, 1).all() and r.utterances.sentiment.nunique() > 1
    assert TransformersScorer._compound([{"label": "LABEL_0", "score": 0.2}, {"label": "LABEL_1", "score": 0.3},
                                         {"label": "LABEL_2", "score": 0.5}]) == pytest.approx(0.3)


def topic_meeting() -> Transcript:
    return meeting([("A", 0, 10, "The billing system sent the wrong invoices to our biggest customers."),
                    ("B", 10, 20, "The invoice problem again? Which customers got the wrong invoices?"),
                    ("A", 20, 30, "Three enterprise customers. The billing team is fixing the invoice template."),
                    ("B", 30, 40, "Good, the release schedule and the mobile app can wait.")])


def test_topics_noun_phrases_lemmas_and_counts():
    from meeting_analytics.analytics.topics import topics

    per_speaker, per_meeting = topics(topic_meeting().words_frame())
    counts = per_meeting.set_index(["term", "kind"])["count"]
    # plurals lemmatized (WordNet); a phrase's head noun counts as a word too (wrong invoices x2), its
    # modifiers do not ("invoice problem", "invoice template"); customers x3
    assert counts[("invoice", "word")] == 2 and counts[("customer", "word")] == 3
    phrases = set(per_meeting.loc[per_meeting.kind == "phrase", "term"])
    assert {"billing system", "wrong invoice", "biggest customer", "enterprise customer", "billing team",
            "invoice template", "release schedule", "mobile app"} <= phrases
    assert not phrases & {"the billing system", "sent", "fixing"}  # determiners and verbs break phrases
    assert per_meeting.set_index("term").loc["wrong invoice", "speakers"] == 2
    a = per_speaker[per_speaker.speaker == "A"].set_index(["term", "kind"])
    assert ("billing", "word") not in a.index  # only ever a modifier: counted in its phrases
    assert a.loc[("customer", "word"), "count"] == 2
    assert a.loc[("customer", "word"), "share"] == pytest.approx(2 / a.xs("word", level="kind")["count"].sum())


def test_distinctive_terms_log_odds_sign():
    from meeting_analytics.analytics.topics import topics

    t = meeting([("A", 0, 10, "Invoice. Invoice. Invoice. Refund. Refund. Invoice."),
                 ("B", 10, 20, "Server. Server. Outage. Server. Refund. Outage.")])
    per_speaker, _ = topics(t.words_frame())
    z = per_speaker.set_index(["speaker", "term"])["z"]
    assert z[("A", "invoice")] > 1.0 > 0 > z[("B", "refund")]
    assert z[("B", "server")] > 1.0 and z[("A", "refund")] == pytest.approx(-z[("B", "refund")], abs=0.5)


def test_topics_without_english_tags_fall_back_to_content_words():
    from meeting_analytics.analytics.topics import topics

    t = meeting([("A", 0, 5, "la factura del cliente"), ("B", 5, 10, "la factura otra vez")], language="es")
    per_speaker, per_meeting = topics(t.words_frame(), language="es")
    assert per_meeting.set_index("term").loc["factura", "count"] == 2
    assert "la" not in set(per_meeting.term) and set(per_meeting.kind) == {"word"}


def test_a_question_is_timed_by_its_own_words_and_answered_from_its_last_word():
    """#25 item 2: not the utterance's start; the latency runs from the question's last word to the answer's first."""
    from meeting_analytics.analytics import analyze_corpus

    # 9 words over 0-9 s (one a second): "So," is the 5th word, at 4 s; "price?" ends at 9 s
    t = meeting([("A", 0, 9, "We moved the database. So, what is the price?"), ("B", 10.5, 12, "ten dollars"),
                 ("A", 13, 17, "Why? I mean, today."), ("B", 18, 19, "yes")])
    q = analyze(t).questions
    assert q.question.tolist() == ["So, what is the price?", "Why?"]
    assert q.start.tolist() == pytest.approx([4.0, 13.0]) and q.end.tolist() == pytest.approx([9.0, 14.0])
    assert q.latency.tolist() == pytest.approx([1.5, 4.0])  # "Why?" ends at 14 s, the answer starts at 18 s
    corpus = analyze_corpus([("m", t)]).questions
    assert corpus.start.tolist() == pytest.approx([4.0, 13.0]) and corpus.latency.tolist() == pytest.approx([1.5, 4.0])


def test_talk_time_and_turns_come_from_the_same_turns():
    """#25 item 3: diarization turns longer than the words no longer make talk time disagree with turn lengths."""
    t = meeting([("A", 0, 4, "one two three four"), ("A", 5, 9, "five six seven eight"), ("B", 12, 14, "nine ten")],
                turns=[(0, 11, "A"), (11.5, 15, "B")], duration=15)
    r = analyze(t)
    s = r.speakers.set_index("speaker")
    assert (s.loc["A", "turns"], s.loc["A", "talk_time"], s.loc["A", "longest_turn"]) == (1, 9.0, 9.0)
    assert s.loc["B", "talk_time"] == 2.0 and (s["longest_turn"] <= s["talk_time"]).all()
    assert r.meeting.speech_time == 11.0 and r.meeting.silence_share == pytest.approx(4 / 15)


def test_every_speaker_column_has_one_definition():
    from meeting_analytics.analytics.definitions import METRICS, Metric
    from meeting_analytics.analytics.talk import SPEAKER_COLUMNS

    assert set(SPEAKER_COLUMNS) - {"speaker"} <= set(METRICS)
    assert {"fillers", "fillers_per_minute", "mean_sentiment", "question_start", "latency"} <= set(METRICS)
    assert all(isinstance(m, Metric) and m.column == k and m.definition for k, m in METRICS.items())
    assert len({m.name for m in METRICS.values()}) == len(METRICS)


@pytest.mark.parametrize("text", ["So, what is this?”", "Is it ready?'", "You mean (this one?)", "He asked \"why?\""])
def test_a_question_ending_in_a_closing_quote_counts_with_words_and_without(text):
    """A "?" before a closing quote or bracket ends a question whether the utterance has word times or not
    (the words' split kept the quote on the word and then missed the question)."""
    from meeting_analytics.analytics.questions import question_sentences

    t = meeting([("A", 0, 4, text), ("B", 5, 6, "yes")])
    assert analyze(t).speakers.set_index("speaker").loc["A", "questions"] == 1
    assert len(analyze(t).questions) == 1 and len(question_sentences(text)) == 1


def test_the_reports_repr_counts_in_the_singular():
    r = analyze(meeting([("A", 0, 2, "Um, why?")]))
    assert "1 speaker, 2 words, 1 filler, 1 question)" in repr(r)


def test_an_empty_name_between_names_is_an_error_not_a_shift():
    """"Ann,,Bob" once gave Bob to the second speaker to talk, not the third; a trailing comma is harmless."""
    from meeting_analytics.analytics.names import parse_names
    from meeting_analytics.errors import OptionError

    assert parse_names(" Ann, Bob, ") == ["Ann", "Bob"] and parse_names("") == [] and parse_names(None) == []
    for text in ("Ann,,Bob", ", Bob", "Ann, ,Bob"):
        with pytest.raises(OptionError, match=r"^--names: name \d is empty; give every speaker up to the last "):
            parse_names(text, "--names")


def test_two_questions_in_one_utterance_count_as_two_everywhere():
    """A row of ``questions`` is one utterance's questions, ``sentences`` how many: the speakers' count, the
    report's summary line, the corpus meeting's total and a person's asked/answered read the same sentences
    (the summary line and the meeting's total counted rows: 1 question in a meeting where A asked 2)."""
    from meeting_analytics.analytics import analyze_corpus

    t = meeting([("A", 0, 3, "Why did it fail? How do we fix it?"), ("B", 3.5, 6, "We restart the server."),
                 ("A", 6.5, 8, "Is that safe? Okay."), ("B", 9, 10, "Yes.")])
    r = analyze(t)
    assert r.questions["sentences"].tolist() == [2, 1] and r.speakers.set_index("speaker").loc["A", "questions"] == 3
    assert "3 questions)" in repr(r)
    summary = analyze_corpus([("m1", t), ("m2", t)]).summary()
    assert summary.meetings.set_index("meeting")["questions"].to_dict() == {"m1": 3, "m2": 3}
    people = summary.people.groupby("person")[["questions_asked", "questions_answered"]].sum()
    assert people.to_dict("index") == {"A": {"questions_asked": 6, "questions_answered": 0},
                                       "B": {"questions_asked": 0, "questions_answered": 6}}
    # the most asked questions group each sentence on its own, across meetings
    other = meeting([("C", 0, 2, "How do we fix it?"), ("D", 3, 4, "Restart.")])
    asked = analyze_corpus([("m1", t), ("m3", other)]).summary().questions.set_index("question")
    assert asked.loc["How do we fix it?", ["count", "meetings"]].tolist() == [2, 2]
    assert asked["count"].sum() == 4 and "Why did it fail? How do we fix it?" not in asked.index


def test_a_questions_frame_saved_without_sentences_counts_a_question_a_row():
    from meeting_analytics.analytics.questions import questions_per_speaker

    new = analyze(meeting([("A", 0, 3, "Why? How?"), ("B", 4, 5, "No?")])).questions
    saved = new.drop(columns="sentences")
    assert questions_per_speaker(saved).to_dict() == {"A": 1, "B": 1}
    stacked = pd.concat([saved, new], ignore_index=True)  # the old rows' sentences are NaN
    assert questions_per_speaker(stacked).to_dict() == {"A": 3, "B": 2}


def test_a_corpus_reads_as_a_summary_and_takes_only_named_transcripts():
    from meeting_analytics.analytics import analyze_corpus

    t = meeting([("A", 0, 3, "Um, why did it fail? How?"), ("B", 3.5, 6, "We restart it.")])
    corpus = analyze_corpus([(f"m{i}", t) for i in range(10)])
    head, *rows = repr(corpus).splitlines()
    assert head == "CorpusReport(10 meetings, 60.0 s, 20 speakers, 90 words, 10 fillers, 20 questions)"
    assert rows[-1] == "... 2 more meetings" and rows[1].split() == ["m0", "6.0", "2", "9", "1", "2"]
    page = analyze_corpus([("<b>m</b>", t)])._repr_html_()  # Jupyter's display: the same figures, escaped
    assert "1 meeting, 6.0 s, 2 speakers, 9 words, 1 filler, 2 questions" in page
    assert "&lt;b&gt;m&lt;/b&gt;" in page and "<b>m</b>" not in page
    assert repr(corpus.summary()).startswith("CorpusTables(10 meetings, 2 named people; rows: speakers 20,")
    with pytest.raises(TypeError, match=r"^item 0 is Transcript, not a \(name, Transcript\) pair"):
        analyze_corpus([t])


def test_empty_tables_keep_their_columns_dtypes_through_a_corpus():
    """A batch without questions or fillers stacked with one that has them: times and counts stay numeric
    (empty tables were all object, and pandas keeps an empty table's dtypes in ``concat``)."""
    from meeting_analytics.analytics import analyze_corpus

    quiet = meeting([("A", 0, 3, "Fine."), ("B", 3.5, 6, "We restart it.")])
    asks = meeting([("A", 0, 3, "Um, why did it fail?"), ("B", 3.5, 6, "We restart it.")])
    silent = analyze(quiet)
    assert silent.questions.empty and silent.fillers.empty
    for frame in (silent.questions, silent.fillers):
        assert frame["start"].dtype == "float64" and frame["utterance"].dtype == "int64"
    mixed = analyze_corpus([("quiet", quiet), ("asks", asks)], max_words=1)  # one batch each
    q, f = mixed.questions, mixed.fillers
    assert len(q) == 1 and len(f) == 1
    assert {q[c].dtype.kind for c in ("start", "end", "latency", "answer_start")} == {"f"}
    assert q["sentences"].dtype.kind == "i" and f["start"].dtype.kind == "f" and f["word_index"].dtype.kind == "i"
    full = analyze_corpus([("asks", asks)])  # every table of the mixed corpus typed as this one's
    for name, table in full.frames().items():
        assert getattr(mixed, name).dtypes.to_dict() == table.dtypes.to_dict(), name


@pytest.mark.parametrize("text, asked", [
    ("Dr. Smith, can you come? We wait for Mr. Jones.", ["Dr. Smith, can you come?"]),
    ("Yes, at 3.30 p.m. okay?", ["Yes, at 3.30 p.m. okay?"]),
    ("We meet at 3 p.m. Does that work?", ["Does that work?"]),
    ("The price is 3.5 dollars, e.g. the base? Fine.", ["The price is 3.5 dollars, e.g. the base?"]),
    ("Meet at 9 a.m. (Is that fine?)", ["(Is that fine?)"]),
    ("We live on Main St. Where do you live?", ["Where do you live?"]),
])
def test_a_title_or_abbreviation_does_not_cut_a_question(text, asked):
    """Cut after every ".", "Dr. Smith, can you come?" was asked as "Smith, can you come?" and timed from
    "Smith"; "a.m."/"p.m."/"etc." end a sentence only before a capital. Words and text read the same."""
    from meeting_analytics.analytics.questions import question_sentences

    t = meeting([("A", 0, 8, text), ("B", 9, 10, "yes")])
    q = analyze(t).questions
    assert q["question"].tolist() == [" ".join(asked)] and question_sentences(text) == asked
    first = text.split().index(asked[0].split()[0])  # where the first question starts, in words
    assert q["start"].iloc[0] == pytest.approx(8 * first / len(text.split()))
