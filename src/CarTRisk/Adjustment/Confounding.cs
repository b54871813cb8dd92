using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>The population a weighted or matched comparison speaks for.</summary>
public enum Estimand
{
    /// <summary>The average treatment effect over the whole population.</summary>
    Ate,

    /// <summary>The average treatment effect among the treated.</summary>
    Att,

    /// <summary>The average treatment effect among the controls.</summary>
    Atc,

    /// <summary>The overlap population (weights e(1 − e) in the score's tails).</summary>
    Ato,
}

/// <summary>A fitted propensity score model.</summary>
public sealed class PropensityModel
{
    internal PropensityModel(GlmModel model)
    {
        Model = model;
        Scores = model.FittedValues;
        LinearPredictor = model.LinearPredictor;
    }

    /// <summary>The logistic regression of treatment on the confounders (= <c>glm(treated ~ x, binomial)</c>).</summary>
    public GlmModel Model { get; }

    /// <summary>The estimated P(treated | x) per record (= <c>fitted(fit)</c>).</summary>
    public ImmutableArray<double> Scores { get; }

    /// <summary>The logit of the score per record (= <c>fit$linear.predictors</c>).</summary>
    public ImmutableArray<double> LinearPredictor { get; }

    /// <inheritdoc/>
    public override string ToString() => Model.ToString();
}

/// <summary>Propensity scores by logistic regression.</summary>
public static class PropensityScore
{
    /// <summary>Fits P(treated | confounders) by logistic regression (= <c>glm(treated ~ confounders, family =
    /// binomial)</c>, see <see cref="Glm.Fit"/>).</summary>
    /// <param name="confounders">The confounders' design matrix.</param>
    /// <param name="treated">Per record, whether it was treated (the second level).</param>
    /// <returns>The model with its scores; <see cref="GlmModel.Converged"/> false (and <see cref="GlmModel.PossiblySeparated"/>)
    /// when a score is numerically 0 or 1: the groups do not overlap.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="confounders"/> is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ; every record in one group (no comparison); an aliased term.</exception>
    public static PropensityModel Fit(DesignMatrix confounders, ReadOnlySpan<bool> treated)
    {
        ArgumentNullException.ThrowIfNull(confounders);
        if (treated.Length != confounders.Rows)
        {
            throw new ArgumentException($"treated has {treated.Length} values; the confounders have {confounders.Rows} rows.", nameof(treated));
        }

        int count = 0;
        var y = new double[treated.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = treated[i] ? 1 : 0;
            count += treated[i] ? 1 : 0;
        }

        if (count == 0 || count == y.Length)
        {
            throw new ArgumentException($"every record is {(count == 0 ? "untreated" : "treated")}: a propensity score needs both groups.", nameof(treated));
        }

        return new PropensityModel(Glm.Fit(confounders, y, GlmFamily.Binomial));
    }
}

/// <summary>Inverse-probability (balancing) weights from propensity scores (= WeightIt's <c>get_w_from_ps</c>).</summary>
public static class Weighting
{
    /// <summary>The weights for <paramref name="estimand"/>: ATE 1/e (treated) and 1/(1 − e) (control); ATT 1 and
    /// e/(1 − e); ATC (1 − e)/e and 1; ATO 1 − e and e. Stabilized (ATE only): treated × P̂(treated), control ×
    /// P̂(control), the sample proportions (= mean(z)/e and (1 − mean(z))/(1 − e)).</summary>
    /// <param name="scores">e per record, in (0, 1).</param>
    /// <param name="treated">Per record, whether treated.</param>
    /// <param name="estimand">The target population.</param>
    /// <param name="stabilized">Multiply ATE weights by the marginal group proportions.</param>
    /// <returns>One weight per record.</returns>
    /// <exception cref="ArgumentException">Lengths differ; a score not in (0, 1) (index named: a score of 0 or 1 has no
    /// finite weight); <paramref name="stabilized"/> with an estimand other than ATE; no record.</exception>
    public static double[] Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treated, Estimand estimand, bool stabilized = false)
    {
        if (scores.Length != treated.Length)
        {
            throw new ArgumentException($"scores has {scores.Length} values; treated has {treated.Length}.", nameof(treated));
        }

        if (scores.IsEmpty)
        {
            throw new ArgumentException("no records.", nameof(scores));
        }

        if (stabilized && estimand != Estimand.Ate)
        {
            throw new ArgumentException($"stabilized weights are defined for the ATE only (estimand {estimand}).", nameof(stabilized));
        }

        if (!Enum.IsDefined(estimand))
        {
            throw new ArgumentOutOfRangeException(nameof(estimand), estimand, "unknown estimand.");
        }

        int nt = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double e = scores[i];
            if (!(e > 0 && e < 1))
            {
                throw new ArgumentException($"scores[{i}] is {Guard.Show(e)}; a propensity score must lie in (0, 1).", nameof(scores));
            }

            nt += treated[i] ? 1 : 0;
        }

        double pt = (double)nt / scores.Length;
        var w = new double[scores.Length];
        for (int i = 0; i < w.Length; i++)
        {
            double e = scores[i];
            bool z = treated[i];
            w[i] = estimand switch
            {
                Estimand.Ate => z ? 1 / e : 1 / (1 - e),
                Estimand.Att => z ? 1 : e / (1 - e),
                Estimand.Atc => z ? (1 - e) / e : 1,
                _ => z ? 1 - e : e,
            };
            if (stabilized)
            {
                w[i] = z ? pt / e : (1 - pt) / (1 - e);
            }
        }

        return w;
    }
}

/// <summary>One covariate term of a <see cref="BalanceTable"/>.</summary>
/// <param name="Term">The design-matrix term.</param>
/// <param name="MeanTreated">Σwx/Σw among the treated.</param>
/// <param name="MeanControl">Σwx/Σw among the controls.</param>
/// <param name="StandardizedMeanDifference">(m₁ − m₀)/s with s the unweighted SD of the estimand (pooled, treated or control).</param>
/// <param name="VarianceRatio">s₁w²/s₀w², weighted variances with the Σw/((Σw)² − Σw²) normalisation.</param>
public readonly record struct BalanceRow(string Term, double MeanTreated, double MeanControl, double StandardizedMeanDifference,
    double VarianceRatio)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Term}: SMD {StandardizedMeanDifference:0.###}, variance ratio {VarianceRatio:0.##}");
}

/// <summary>Covariate balance between two groups (= <c>cobalt::bal.tab</c>).</summary>
public sealed class BalanceTable
{
    internal BalanceTable()
    {
    }

    /// <summary>One row per term, in design order.</summary>
    public ImmutableArray<BalanceRow> Rows { get; internal init; }

    /// <summary>(Σw)²/Σw² among the treated.</summary>
    public double EffectiveSizeTreated { get; internal init; }

    /// <summary>(Σw)²/Σw² among the controls.</summary>
    public double EffectiveSizeControl { get; internal init; }

    /// <summary>The estimand whose SD defines the standardized differences.</summary>
    public Estimand Estimand { get; internal init; }

    /// <summary>Whether weights were given.</summary>
    public bool Weighted { get; internal init; }

    /// <summary>Records per group (unweighted).</summary>
    public int CountTreated { get; internal init; }

    /// <summary>Records per group (unweighted).</summary>
    public int CountControl { get; internal init; }

    /// <summary>For each term that is a 0/1 indicator, the records with value 1 per group (treated, control); −1 else.</summary>
    internal ImmutableArray<(int Treated, int Control)> IndicatorCounts { get; init; }

    /// <summary>The largest |SMD|.</summary>
    public double MaxAbsoluteSmd => Rows.Length == 0 ? 0 : Rows.Max(r => Math.Abs(r.StandardizedMeanDifference));

    /// <summary>The balance table: term, means, SMD, variance ratio, with the group sizes (counts, under the disclosure
    /// rules: the mean of a 0/1 term rests on the counts with and without it in each group).</summary>
    /// <param name="title">The caption; null = "Covariate balance" with the weighting.</param>
    /// <returns>The table.</returns>
    public ResultTable ToTable(string? title = null)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new ResultTable(title ?? (Weighted ? "Covariate balance (weighted)" : "Covariate balance (unweighted)"),
            "Term", "Treated", "Control", "SMD", "Variance ratio")
        {
            Note = string.Create(c, $"= cobalt::bal.tab (SMD denominator: {(Estimand is Estimand.Att ? "treated SD" : Estimand is Estimand.Atc ? "control SD" : "pooled SD")}); effective sizes {EffectiveSizeTreated:0.#} treated, {EffectiveSizeControl:0.#} control"),
        };
        var nt = new CountCell(CountTreated);
        var nc = new CountCell(CountControl);
        table.AddRow(new TextCell("Patients"), nt, nc, new TextCell(""), new TextCell(""));
        for (int j = 0; j < Rows.Length; j++)
        {
            var r = Rows[j];
            string smd = r.StandardizedMeanDifference.ToString("0.###", c);
            string vr = r.VarianceRatio.ToString("0.##", c);
            if (IndicatorCounts[j].Treated >= 0)
            {
                var t1 = new CountCell(IndicatorCounts[j].Treated, hidden: true);
                var t0 = new CountCell(CountTreated - IndicatorCounts[j].Treated, hidden: true);
                var c1 = new CountCell(IndicatorCounts[j].Control, hidden: true);
                var c0 = new CountCell(CountControl - IndicatorCounts[j].Control, hidden: true);
                table.AddMargin(nt, t1, t0).AddMargin(nc, c1, c0);
                CountCell[] all = [t1, t0, c1, c0, nt, nc];
                IReadOnlyList<CountCell> revealsT = Weighted ? [] : [t1, t0, nt];
                IReadOnlyList<CountCell> revealsC = Weighted ? [] : [c1, c0, nc];
                table.AddRow(new TextCell(r.Term),
                    new DerivedCell(r.MeanTreated.ToString("0.###", c), t1, t0, nt) { Reveals = revealsT },
                    new DerivedCell(r.MeanControl.ToString("0.###", c), c1, c0, nc) { Reveals = revealsC },
                    new DerivedCell(smd, all) { Reveals = [] }, new DerivedCell(vr, all) { Reveals = [] });
            }
            else
            {
                table.AddRow(new TextCell(r.Term), new TextCell(r.MeanTreated.ToString("0.###", c)), new TextCell(r.MeanControl.ToString("0.###", c)),
                    new TextCell(smd), new TextCell(vr));
            }
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText(DisclosurePolicy.Default);
}

/// <summary>Covariate balance diagnostics.</summary>
public static class Balance
{
    /// <summary>Per term: weighted means m_g = Σwx/Σw in each group; SMD = (m₁ − m₀)/s with s the UNWEIGHTED
    /// sqrt((s₁² + s₀²)/2) for ATE and ATO, s₁ for ATT, s₀ for ATC (sample SDs, n − 1), binary terms alike; variance
    /// ratio v₁/v₀ with v = Σw/((Σw)² − Σw²)·Σw(x − m)² (for every term); effective sizes (Σw)²/Σw² per group
    /// (= <c>cobalt::bal.tab(x, treat, weights, s.d.denom = "pooled" | "treated" | "control", binary = "std")</c>).</summary>
    /// <param name="covariates">The terms to check.</param>
    /// <param name="treated">Per record, whether treated.</param>
    /// <param name="weights">Weights ≥ 0 (empty = unweighted).</param>
    /// <param name="estimand">Chooses the SMD denominator.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="covariates"/> is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ; a weight negative or not finite (index named); a group with
    /// fewer than two records or no positive weight.</exception>
    public static BalanceTable Compute(DesignMatrix covariates, ReadOnlySpan<bool> treated, ReadOnlySpan<double> weights = default,
        Estimand estimand = Estimand.Ate)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        int n = covariates.Rows;
        if (treated.Length != n)
        {
            throw new ArgumentException($"treated has {treated.Length} values; the covariates have {n} rows.", nameof(treated));
        }

        if (!weights.IsEmpty && weights.Length != n)
        {
            throw new ArgumentException($"weights has {weights.Length} values; the covariates have {n} rows.", nameof(weights));
        }

        int nt = 0;
        double[] sw = new double[2];
        double[] sw2 = new double[2];
        for (int i = 0; i < n; i++)
        {
            double w = weights.IsEmpty ? 1 : weights[i];
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"weights[{i}] is {Guard.Show(w)}; weights must be finite and >= 0.", nameof(weights));
            }

            int g = treated[i] ? 1 : 0;
            nt += g;
            sw[g] += w;
            sw2[g] += w * w;
        }

        if (nt < 2 || n - nt < 2 || sw[0] <= 0 || sw[1] <= 0)
        {
            throw new ArgumentException($"each group needs at least two records and a positive weight (treated {nt}, control {n - nt}).", nameof(treated));
        }

        var rows = ImmutableArray.CreateBuilder<BalanceRow>(covariates.Columns);
        var indicators = ImmutableArray.CreateBuilder<(int, int)>(covariates.Columns);
        for (int j = 0; j < covariates.Columns; j++)
        {
            var x = covariates.Column(j);
            var m = new double[2];
            var um = new double[2];
            var cnt = new int[2];
            var ones = new int[2];
            bool binary = true;
            for (int i = 0; i < n; i++)
            {
                int g = treated[i] ? 1 : 0;
                double w = weights.IsEmpty ? 1 : weights[i];
                m[g] += w * x[i];
                um[g] += x[i];
                cnt[g]++;
                binary &= x[i] is 0 or 1;
                ones[g] += x[i] == 1 ? 1 : 0;
            }

            for (int g = 0; g < 2; g++)
            {
                m[g] /= sw[g];
                um[g] /= cnt[g];
            }

            var wss = new double[2];
            var uss = new double[2];
            for (int i = 0; i < n; i++)
            {
                int g = treated[i] ? 1 : 0;
                double w = weights.IsEmpty ? 1 : weights[i];
                double d = x[i] - m[g];
                wss[g] += w * d * d;
                double u = x[i] - um[g];
                uss[g] += u * u;
            }

            var sd = new double[2];
            var wv = new double[2];
            for (int g = 0; g < 2; g++)
            {
                sd[g] = Math.Sqrt(uss[g] / (cnt[g] - 1));
                wv[g] = sw[g] / ((sw[g] * sw[g]) - sw2[g]) * wss[g];
            }

            double s = estimand switch
            {
                Estimand.Att => sd[1],
                Estimand.Atc => sd[0],
                _ => Math.Sqrt(((sd[1] * sd[1]) + (sd[0] * sd[0])) / 2),
            };
            rows.Add(new BalanceRow(covariates.Terms[j], m[1], m[0], (m[1] - m[0]) / s, wv[1] / wv[0]));
            indicators.Add(binary ? (ones[1], ones[0]) : (-1, -1));
        }

        return new BalanceTable
        {
            Rows = rows.MoveToImmutable(),
            EffectiveSizeTreated = sw[1] * sw[1] / sw2[1],
            EffectiveSizeControl = sw[0] * sw[0] / sw2[0],
            Estimand = estimand,
            Weighted = !weights.IsEmpty,
            CountTreated = nt,
            CountControl = n - nt,
            IndicatorCounts = indicators.MoveToImmutable(),
        };
    }
}
