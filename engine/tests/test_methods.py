"""The method table (schemas/methods.json, written from src/common/methods.ts) as the engine reads it."""

from __future__ import annotations

from typing import get_args

import pytest

from coconut_engine.config import config_from_dict
from coconut_engine.curriculum import Curriculum, ICoTCurriculum
from coconut_engine.errors import ConfigError
from coconut_engine.methods import METHOD_FLAGS, METHODS, UNFLAGGED_METHOD, Method, has_markers

PATHS = {"train_path": "t.json", "val_path": "v.json"}


def test_the_table_names_every_method_the_engine_knows() -> None:
    assert set(METHODS) == set(get_args(Method))
    assert METHOD_FLAGS == ("coconut", "cot", "no_cot", "no_thoughts", "pause_token", "icot")
    assert UNFLAGGED_METHOD == "pause_as_thought"


@pytest.mark.parametrize("name", list(METHODS))
def test_each_method_is_selected_by_its_flag_and_built_from_its_properties(name: str) -> None:
    spec = METHODS[name]
    config = config_from_dict({**PATHS, **({spec.flag: True} if spec.flag else {})})
    assert config.method == name
    curriculum = Curriculum.from_config(config)
    assert isinstance(curriculum, ICoTCurriculum) == (spec.curriculum == "icot")
    assert (curriculum.uses_markers, curriculum.feeds_back_thoughts) == (spec.markers, spec.feedback)
    assert curriculum.thoughts_per_step == config.c_thought * spec.thoughts_per_c
    # Only methods with markers may force a thought count at evaluation.
    forced = {**PATHS, **({spec.flag: True} if spec.flag else {}), "only_eval": True, "load_model_path": "x.pt", "eval_thoughts": [1]}
    if spec.markers:
        assert config_from_dict(forced).eval_thoughts == [1]
    else:
        with pytest.raises(ConfigError, match="has no thought markers"):
            config_from_dict(forced)


def test_a_checkpoint_method_the_table_does_not_know_has_no_markers() -> None:
    assert has_markers("coconut") and not has_markers("cot")
    assert not has_markers("special_token")
