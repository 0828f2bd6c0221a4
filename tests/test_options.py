"""The options' one declaration: what the API, the batch keys and the prompt rule read from it."""

from __future__ import annotations

import dataclasses

import pytest

from meeting_analytics.batch.run import options_hash
from meeting_analytics.options import ASROptions, PipelineOptions, declared, describe
from meeting_analytics.stages.prompts import VERBATIM_PROMPT_EN, with_verbatim_prompt


def test_every_field_is_declared_with_help():
    names = [f.name for _, f in declared()]
    assert names == [f.name for f in dataclasses.fields(ASROptions)] + \
        [f.name for f in dataclasses.fields(PipelineOptions) if f.name != "asr"]
    assert [row["name"] for row in describe()] == names and all(row["help"] for row in describe())


def test_keyword_arguments_build_options_and_unknown_names_are_refused():
    o = PipelineOptions.from_kwargs(model="base", language="de", num_speakers=2)
    assert (o.asr.model, o.asr.language, o.num_speakers) == ("base", "de", 2)
    with pytest.raises(TypeError, match="unknown option.*speakers_max"):
        PipelineOptions.from_kwargs(speakers_max=3)


@pytest.mark.parametrize("name, value", [("threads", 4), ("device", "cuda"), ("batch_size", 2), ("hf_token", "x"),
                                         ("allow_download", True), ("parallel_stages", False)])
def test_options_that_do_not_change_results_keep_the_batch_key(name, value):
    assert options_hash(PipelineOptions.from_kwargs(**{name: value})) == options_hash(PipelineOptions())


@pytest.mark.parametrize("name, value", [("beam_size", 1), ("model", "base"), ("num_speakers", 2),
                                         ("initial_prompt", "Acme"), ("verbatim", True), ("max_pause", 2.0)])
def test_options_that_change_results_change_the_batch_key(name, value):
    assert options_hash(PipelineOptions.from_kwargs(**{name: value})) != options_hash(PipelineOptions())


def test_verbatim_prompt_only_where_the_language_is_known_and_no_prompt_given():
    assert with_verbatim_prompt(PipelineOptions(verbatim=True)).asr.initial_prompt == VERBATIM_PROMPT_EN
    assert with_verbatim_prompt(PipelineOptions()).asr.initial_prompt is None
    mine = PipelineOptions.from_kwargs(verbatim=True, initial_prompt="Acme call")
    assert with_verbatim_prompt(mine).asr.initial_prompt == "Acme call"
    detect = PipelineOptions.from_kwargs(verbatim=True, model="base")  # language detected: no biasing prompt
    assert with_verbatim_prompt(detect).asr.initial_prompt is None
