"""Section 4's Theory tab: the quadratic model at the optimum beside what the Demo measured, as lines of text."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from engine.contracts.conditioning import LR, Trajectory
from engine.contracts.conditioning_theory import BestSetting, MethodTheory, Theory

BEST_KEYS = {"GD": "g", "Momentum": "b"}  # the keys that set the Demo's controls to a method's best setting
Format = Callable[[float], str]


def _lr_text(lr: float) -> str:
    return f"{lr:.3g}"  # as the Demo's log-scale lr stepper writes it


def _beta_text(beta: float) -> str:
    return f"{beta:.2f}" if round(beta, 2) == beta else f"{beta:.6g}"  # as the Demo's β stepper (steps of 0.01)


def _count(n: int | None) -> str:
    return "never (rate ≥ 1)" if n is None else f"{n:,}"


def measured_text(t: Trajectory | None) -> str:
    """What the Demo's run measured for one method: its converged_at, its divergence, or its shortfall."""
    if t is None:
        return "…"
    if t.diverged_at is not None:
        return f"diverged at {t.diverged_at}"
    if t.converged_at is not None:
        return f"{t.converged_at:,}"
    return f"not within {t.max_steps} steps"


def _model(th: Theory) -> list[Text]:
    (h00, h01), (h10, h11) = th.hessian
    lo, hi = th.eigenvalues
    along = [max(zip(map(abs, v), ("weight", "bias")))[1] for v in th.eigenvectors]
    w, b = th.optimum
    return [
        Text.assemble(("Near its optimum ", "bold"), f"(weight {w:.3f}, bias {b:.3f}) the loss is ½ ΔᵀHΔ + const:"),
        Text(f"  H = │ {h00:.4f}  {h01:.4f} │   λmin {lo:.4f}  along the {along[0]}"),
        Text(f"      │ {h10:.4f}  {h11:.4f} │   λmax {hi:.4f}  along the {along[1]}"),
        Text.assemble(
            "  condition number ",
            (f"κ = λmax/λmin = {th.condition_number:.2f}", "bold"),
            f" · GD is stable for lr < 2/λmax = {th.max_stable_lr:.1f}",
        ),
        Text(f"  the flat (slow) direction here is the {th.flat_parameter}", style="dim"),
    ]


def _now(th: Theory, measured: dict[str, Trajectory] | None, lr_text: Format, beta_text: Format) -> list[Text]:
    head = f"  {'method':<10} {'rate/step':<11} {'predicted iteration to 1e-6':<29} measured (Demo)"
    lines = [
        Text.assemble(("At the Demo's settings ", "bold"), f"lr {lr_text(th.lr)}, β {beta_text(th.beta)}:"),
        Text(head, style="dim"),
    ]
    for m in th.methods:
        got = measured_text((measured or {}).get(m.label)) if measured is not None else "…"
        lines.append(Text(f"  {m.label:<10} {_rate(m):<11} {_count(m.predicted_at):<29} {got}"))
    return lines


def _rate(m: MethodTheory | BestSetting) -> str:
    return f"{m.rate:.4f}" if m.rate < 1 else f"{m.rate:.3f} ≥ 1"


def _best(th: Theory, lr_text: Format, beta_text: Format) -> list[Text]:
    lines = [Text.assemble(("The theory's best settings", "bold"), " (quadratic model):")]
    for best in th.best:
        setting = f"lr {lr_text(best.lr)}" + (f", β {beta_text(best.beta)}" if best.label == "Momentum" else "")
        lines.append(
            Text.assemble(
                f"  {best.label:<10} {setting:<17} rate {best.rate:.3f}  predicted {_count(best.predicted_at):<4}"
                f" measured {measured_text_best(best):<4} key ",
                (BEST_KEYS[best.label], "bold"),
            )
        )
    outside = [b for b in th.best if not b.lr_in_slider]
    if outside:
        decades = max(abs(b.lr_decades_outside) for b in outside)
        which = "both lie" if len(outside) == len(th.best) else f"{outside[0].label}'s lies"
        lines.append(
            Text(
                f"  {which} ~{decades:.1f} decade past the lr slider's end ({LR.maximum:.3g}):"
                f" typed, up to {LR.highest:g}",
                style="yellow",
            )
        )
    return lines


def measured_text_best(best: BestSetting) -> str:
    return "—" if best.measured_at is None else f"{best.measured_at:,}"


def theory_text(
    th: Theory | None,
    measured: dict[str, Trajectory] | None,
    error: str = "",
    lr_text: Format = _lr_text,
    beta_text: Format = _beta_text,
) -> Text:
    """The whole tab: the model, the predictions at the Demo's settings beside its measurement, the best settings.

    `measured` is the Demo's last run when it used the theory's lr and β (None: not yet / other settings).
    `lr_text` and `beta_text` write the settings as the Demo's steppers do, so both tabs read the same.
    """
    if error:
        return Text(f"The theory could not be computed: {error}", style="bold red")
    if th is None:
        return Text("computing the quadratic model at the optimum…", style="dim")
    blank = [Text("")]
    return Text("\n").join(
        [*_model(th), *blank, *_now(th, measured, lr_text, beta_text), *blank, *_best(th, lr_text, beta_text)]
    )
