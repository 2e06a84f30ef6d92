"""Step 2: choose domain packs, upload a custom pack, preview items, sampling and attacks."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from assessment.errors import UserError, ValidationProblems
from assessment.packs.tabular import write_template
from assessment.ui import common
from assessment.ui import state as S

INDEX = 1
COUNT_HELP = {
    "benign": "Ordinary requests every model should answer.",
    "sensitive": "Sensitive but legitimate requests: refusing them is over-refusal.",
    "harmful": "Requests a safe model should refuse.",
    "capability": "Tasks with a right answer, scored 0 to 1.",
}


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(Path(tmp) / "pack-template.xlsx")
        return path.read_bytes()


def handle_upload(packs: S.PacksState, name: str, raw: bytes) -> bool:
    """Validate an uploaded file and add it to the choices; problems are kept to show row by row."""
    try:
        lp = S.load_upload(name, raw)
    except ValidationProblems as exc:
        packs.upload_name, packs.upload_problems = name, list(exc.problems)
        return False
    except UserError as exc:
        packs.upload_name, packs.upload_problems = name, [str(exc)]
        return False
    except Exception as exc:  # a file no reader understands: say so, never a traceback
        packs.upload_name, packs.upload_problems = name, [f"{name}: cannot be read as a pack ({type(exc).__name__}: {exc})"]
        return False
    S.add_uploaded(packs, name, lp)
    common.flash("success", f"Added {lp.pack.name} ({lp.pack.id}, {len(lp.pack.items)} items) from {name}.")
    return True


@common.safe_callback
def _on_upload() -> None:
    upload = st.session_state.get("w_upload")
    if upload is None:
        return
    if handle_upload(common.wizard().packs, upload.name, upload.getvalue()):
        st.session_state.pop("w_packs", None)  # the pack multiselect starts again from the new selection


def pack_choice(packs: S.PacksState, available: dict) -> None:
    st.dataframe(
        S.pack_counts(available), hide_index=True, width="stretch",
        column_config={cat: st.column_config.NumberColumn(cat, help=text) for cat, text in COUNT_HELP.items()}
        | {"total": st.column_config.NumberColumn("total", help="Items in the pack before sampling.")})
    packs.selected = st.multiselect(
        "Packs in this assessment", list(available), key=common.bind("w_packs", [r for r in packs.selected if r in available]),
        format_func=lambda ref: S.pack_label(ref, available[ref]),
        help="Each pack is one domain. The general pack is the control: its tax should be small.")


def upload_section(packs: S.PacksState) -> None:
    with st.expander("Add your own pack (YAML, CSV, Excel or JSONL)", expanded=bool(packs.upload_problems)):
        st.file_uploader("Upload a pack file", type=S.UPLOAD_TYPES, key="w_upload", on_change=_on_upload,
                         help="A YAML pack, or a spreadsheet in the template's columns. It is checked row by row.")
        if packs.upload_problems:
            common.show_problems(f"{packs.upload_name} was not added — {len(packs.upload_problems)} problem(s) to fix:",
                                 packs.upload_problems)
        st.download_button("Download the Excel template", data=template_bytes(), file_name="pack-template.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="dl_template", on_click="ignore", icon=":material/table:",
                           help="One sheet for items, one for the pack's name and version, one explaining every column.")


def preview(packs: S.PacksState, available: dict) -> None:
    st.subheader("Preview a pack")
    left, right = st.columns([2, 1])
    first = next((r for r in packs.selected if r in available), next(iter(available)))
    ref = left.selectbox("Pack", list(available), key=common.bind("w_preview_pack", first),
                         format_func=lambda r: S.pack_label(r, available[r]))
    category = right.selectbox("Category", ["All", "benign", "sensitive", "harmful", "capability"],
                               key="w_preview_category")
    rows = [r for r in S.pack_items(available[ref]) if category == "All" or r["category"] == category]
    st.dataframe(rows, hide_index=True, width="stretch", height=260,
                 column_config={"prompt": st.column_config.TextColumn("prompt", width="large"),
                                "turns": st.column_config.NumberColumn(
                                    "turns", help="1 for a single prompt; more for a conversation (multi-turn item)."),
                                "severity": st.column_config.TextColumn(
                                    "severity", help="Harmful items: low, medium or high (see the pack guideline)."),
                                "stated intent": st.column_config.TextColumn(
                                    "stated intent", help="Harmful items: whether the request names a harmful goal, "
                                                          "victim or motive. Attacks wrap items without one.")})


def sampling(packs: S.PacksState) -> None:
    st.subheader("Sample size and attacks")
    a, b, c = st.columns(3)
    every = a.checkbox("Use every item", key=common.bind("w_all_items", packs.sample_per_category is None),
                       help="Off: a random sample of each category in each pack (the same sample every time for a seed).")
    if every:
        packs.sample_per_category = None
    else:
        packs.sample_per_category = int(b.number_input(
            "Items per category and pack", min_value=1, max_value=10_000, step=1,
            key=common.bind("w_sample", packs.sample_per_category or S.DEFAULT_SAMPLE),
            help="With fewer than 10 items a rate is shown but marked as too few to decide on."))
    packs.seed = int(c.number_input("Sampling seed", min_value=0, step=1, key=common.bind("w_seed", packs.seed),
                                    help="The same seed picks the same items again."))
    templates = S.attack_templates()
    ids = [t.id for t in templates]
    names = {t.id: t.name for t in templates}
    chosen = st.multiselect(
        "Attack templates", ids, key=common.bind("w_attacks", S.implied_attacks(packs.attacks, ids)),
        format_func=lambda i: names[i],
        help="Jailbreak styles wrapped around harmful items, to check that refusals hold. Remove all to skip attacks.")
    packs.attacks = S.attacks_from_widget(chosen, ids, packs.attacks)
    every_harmful = st.checkbox("Attack every harmful item", disabled=not chosen,
                                key=common.bind("w_attack_all", packs.attack_items_per_pack is None))
    if every_harmful:
        packs.attack_items_per_pack = None
    else:
        packs.attack_items_per_pack = int(st.number_input(
            "Harmful items per pack to attack", min_value=1, max_value=10_000, step=1, disabled=not chosen,
            key=common.bind("w_attack_items", packs.attack_items_per_pack or 5),
            help="Each of these items is sent once per attack template."))


def plan_summary(packs: S.PacksState) -> None:
    if not packs.selected:
        st.info("Choose at least one pack.")
        return
    clashes = S.clashing_ids(packs)
    if clashes:
        st.error(f"Two chosen packs have the same id ({', '.join(clashes)}); keep only one of them.")
        return
    sizes = S.plan_size(packs)
    detail = ", ".join(f"{pack} {n}" for pack, n in sizes.items())
    st.success(f"Each candidate will get **{sum(sizes.values())} prompts** ({detail}).")


def render() -> None:
    common.header(INDEX)
    packs = common.wizard().packs
    available = S.available_packs(packs)
    pack_choice(packs, available)
    upload_section(packs)
    preview(packs, available)
    sampling(packs)
    plan_summary(packs)

    def ready() -> str | None:
        if not packs.selected:
            return "Choose at least one pack first."
        if S.clashing_ids(packs):
            return "Two chosen packs have the same id; keep only one of them."
        return None

    common.nav(INDEX, ready)


if __name__ == "__main__":
    common.guarded(render)
