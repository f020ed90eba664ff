"""Framework templates load, add up to 100 and name the file and node when malformed."""

import pytest

from evalplatform.indicators import frameworks
from evalplatform.indicators.frameworks import FrameworkError, load_framework


def test_the_shipped_frameworks_load_and_have_three_levels():
    found = {f.code: f for f in frameworks.available_frameworks()}
    assert set(found) == {"project_common_2020", "department_overall", "self_evaluation"}
    common = found["project_common_2020"]
    assert [n.name for n in common.indicators] == ["决策", "过程", "产出", "效益"]
    leaf = next(n for n in common.walk() if n.name == "立项依据充分性")
    assert leaf.level == 3 and leaf.explanation and len(leaf.key_points) == 5
    assert sum(n.points for n in common.indicators) == 100


def test_the_self_evaluation_layout_weights():
    layout = frameworks.framework_by_code("self_evaluation")
    assert {n.name: n.points for n in layout.indicators} == {"产出": 50, "效益": 30, "满意度": 10, "预算执行率": 10}


def test_the_department_framework_has_the_common_indicators():
    names = {n.name for n in frameworks.framework_by_code("department_overall").walk()}
    for wanted in (
        "预算执行率",
        "结转结余率",
        "“三公经费”控制率",
        "在职人员控制率",
        "政府采购执行率",
        "管理制度健全性",
        "资产管理规范性",
        "重点工作完成率",
        "服务对象满意度",
    ):
        assert wanted in names


BASE = """code: t
name: 测试
kind: project
indicators:
  - name: 产出
    points: 100
    children:
      - name: 产出数量
        points: 100
        children:
          - {name: 实际完成率, points: 100, target: 100, operator: ge, method: %s}
"""


def _write(tmp_path, text, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_method_names_the_file_and_node(tmp_path):
    with pytest.raises(FrameworkError) as caught:
        load_framework(_write(tmp_path, BASE % "ratio"))
    assert str(caught.value) == "bad.yaml: 产出 / 产出数量 / 实际完成率: 未知的评分方法“ratio”"


def test_children_not_adding_up_name_the_branch(tmp_path):
    text = (BASE % "ratio_higher_better").replace("{name: 实际完成率, points: 100", "{name: 实际完成率, points: 90")
    with pytest.raises(FrameworkError) as caught:
        load_framework(_write(tmp_path, text))
    assert "bad.yaml" in str(caught.value) and "“产出数量”下的三级指标分值合计 90 分，应为 100 分" in str(caught.value)


def test_a_level_two_without_children_is_refused(tmp_path):
    text = BASE.split("      - name: 产出数量")[0] + "      - {name: 产出数量, points: 100}\n"
    with pytest.raises(FrameworkError, match="产出 / 产出数量: 二级指标下应有下级指标"):
        load_framework(_write(tmp_path, text))


def test_broken_yaml_and_bad_points_are_explained(tmp_path):
    with pytest.raises(FrameworkError, match="bad.yaml: YAML 格式错误"):
        load_framework(_write(tmp_path, "code: [unclosed"))
    with pytest.raises(FrameworkError, match="bad.yaml: 产出: “abc”不是有效的数值"):
        load_framework(
            _write(tmp_path, (BASE % "manual").replace("points: 100\n    children", "points: abc\n    children"))
        )
