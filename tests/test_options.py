"""The options' one declaration: what the API, the batch keys and the prompt rule read from it."""

from __future__ import annotations

import dataclasses

import pytest

from meeting_analytics.batch.run import options_hash
from meeting_analytics.errors import OptionError
from meeting_analytics.options import AnalyticsOptions, ASROptions, PipelineOptions, declared, describe
from meeting_analytics.prompts import VERBATIM_PROMPT_EN


def test_every_field_is_declared_with_help():
    names = [f.name for _, f in declared()]
    assert names == [f.name for f in dataclasses.fields(ASROptions)] + \
        [f.name for f in dataclasses.fields(PipelineOptions) if f.name not in ("asr", "analytics")] + \
        [f.name for f in dataclasses.fields(AnalyticsOptions)]
    assert [row["name"] for row in describe()] == names and all(row["help"] for row in describe())


def test_keyword_arguments_build_options_and_unknown_names_are_refused():
    o = PipelineOptions.from_kwargs(model="base", language="de", num_speakers=2)
    assert (o.asr.model, o.asr.language, o.num_speakers) == ("base", "de", 2)
    with pytest.raises(TypeError, match="unknown option: 'speakers_max'"):
        PipelineOptions.from_kwargs(speakers_max=3)
    with pytest.raises(TypeError, match="unknown option: 'modle' \\(did you mean 'model'\\?\\)"):
        PipelineOptions.from_kwargs(modle="base")
    assert PipelineOptions.from_kwargs(roles="agent,customer").analytics.roles == "agent,customer"


@pytest.mark.parametrize("name, value", [("threads", 4), ("device", "cuda"), ("batch_size", 2), ("hf_token", "x"),
                                         ("allow_download", True), ("parallel_stages", False)])
def test_options_that_do_not_change_results_keep_the_batch_key(name, value):
    assert options_hash(PipelineOptions.from_kwargs(**{name: value})) == options_hash(PipelineOptions())


@pytest.mark.parametrize("name, value", [("beam_size", 1), ("model", "base"), ("num_speakers", 2),
                                         ("initial_prompt", "Acme"), ("verbatim", True), ("max_pause", 2.0),
                                         ("roles", "agent,customer")])
def test_options_that_change_results_change_the_batch_key(name, value):
    assert options_hash(PipelineOptions.from_kwargs(**{name: value})) != options_hash(PipelineOptions())


def test_verbatim_prompt_only_where_the_language_is_known_and_no_prompt_given():
    assert PipelineOptions(verbatim=True).prompt == VERBATIM_PROMPT_EN
    assert PipelineOptions().prompt is None
    mine = PipelineOptions.from_kwargs(verbatim=True, initial_prompt="Acme call")
    assert mine.prompt == "Acme call"
    detect = PipelineOptions.from_kwargs(verbatim=True, model="base")  # language detected: no biasing prompt
    assert detect.prompt is None


def test_the_prompt_rule_is_applied_once_and_follows_changes():
    """Every entry point gets the rule from the object: recorded, hashed and run as the same prompt; a
    derived object (the web form over the server's options) follows its own language."""
    analysis = PipelineOptions.for_analysis()
    assert analysis.public()["asr"]["initial_prompt"] == VERBATIM_PROMPT_EN == analysis.asr_as_run().initial_prompt
    assert analysis.result_fields()["initial_prompt"] == VERBATIM_PROMPT_EN
    german = dataclasses.replace(analysis, asr=dataclasses.replace(analysis.asr, model="base", language="de"))
    assert german.prompt is None
    again = PipelineOptions.from_record(analysis.public())
    assert again.prompt == analysis.prompt and options_hash(again) == options_hash(analysis)


@pytest.mark.parametrize("kwargs, message", [
    ({"language": "xx"}, "unknown language 'xx'"),
    ({"language": "de"}, r"--language: 'de' needs a multilingual model such as base \(tiny.en is English-only\)"),
    ({"language": "de", "model": "/models/whisper-small.en"}, r"\(/models/whisper-small.en is English-only\)"),
    ({"min_speakers": 3, "max_speakers": 2}, "--min_speakers 3 is larger than --max_speakers 2"),
    ({"roles": " , "}, "--roles"),
    ({"filler_lexicon": "/nonexistent/lexicon.txt"}, "--filler_lexicon /nonexistent/lexicon.txt: no such file"),
    ({"model": "small"}, "'small' is not available offline"),
])
def test_invalid_options_cannot_be_built(kwargs, message):
    with pytest.raises(OptionError if "model" not in kwargs else Exception, match=message):
        PipelineOptions.from_kwargs(**kwargs)
    built = PipelineOptions()
    with pytest.raises(Exception, match=message):  # a derived object is checked again
        dataclasses.replace(built, **{k: v for k, v in kwargs.items() if k in ("min_speakers", "max_speakers")}) \
            if "min_speakers" in kwargs else PipelineOptions.from_kwargs(**kwargs)


def test_batch_keys_are_those_0_1_wrote():
    """Results finished by 0.1 (a0ba865) are found again: the same options hash to the same key. Bumping
    the version changes every key on purpose; then these values change with it."""
    assert options_hash(PipelineOptions()) == "02bb3993f2f30fc8b5869f632f59a7c3c820d39e4639b27eb13e400883c9cb5f"
    assert options_hash(PipelineOptions.from_kwargs(verbatim=True, roles="agent,customer")) == \
        "43541cbc1ed4061fe33276c411fce5637dcae23fe343df8eafac85531af36bfc"


def test_a_filler_lexicon_is_keyed_by_its_contents(tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("basically\n")
    options = PipelineOptions.from_kwargs(filler_lexicon=str(lexicon))
    first = options_hash(options)
    assert first != options_hash(PipelineOptions())
    moved = tmp_path / "moved.txt"
    moved.write_text("basically\n")
    assert options_hash(PipelineOptions.from_kwargs(filler_lexicon=str(moved))) == first
    lexicon.write_text("basically\nyou see\n")
    assert options_hash(options) != first


def test_options_check_every_declared_value_and_keep_models_apart_from_per_call_settings():
    for kwargs, message in (({"channels": "stereo"}, "--channels 'stereo': choose from auto, mix, split"),
                            ({"temperature": [2.0]}, "temperatures must lie in"),
                            ({"batch_size": "8"}, "--batch_size: expected an integer"),
                            ({"num_speakers": 5, "max_speakers": 2}, "--num_speakers 5 lies outside")):
        with pytest.raises(OptionError, match=message):
            PipelineOptions.from_kwargs(**kwargs)
    assert PipelineOptions.from_kwargs(language="EN", verbatim=True).asr.language == "en"
    base = PipelineOptions()
    same_models = PipelineOptions.from_kwargs(num_speakers=2, roles="agent,customer")
    assert same_models.model_key() == base.model_key() != PipelineOptions.from_kwargs(beam_size=1).model_key()
