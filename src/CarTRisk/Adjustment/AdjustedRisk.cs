using System.Collections.Immutable;
using System.Globalization;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>How <see cref="AdjustedRisk.Estimate"/> standardizes.</summary>
public enum RiskEstimator
{
    /// <summary>The g-formula: cause-specific Cox models, each patient's predicted risk under every treatment, averaged.</summary>
    GFormula,

    /// <summary>Inverse probability of treatment and censoring weighting (= ate's "IPTW,IPCW"): two treatment levels.</summary>
    Iptw,

    /// <summary>Augmented IPTW with augmented IPCW, doubly robust (= ate's "AIPTW,AIPCW"): the g-formula's outcome models,
    /// IPTW's propensity and censoring models; two treatment levels.</summary>
    Aiptw,
}

/// <summary>Options of <see cref="AdjustedRisk.Estimate"/>.</summary>
public sealed record AdjustedRiskOptions
{
    /// <summary>The g-formula at level 0.95.</summary>
    public static AdjustedRiskOptions Default { get; } = new();

    /// <summary>The estimator; <see cref="RiskEstimator.GFormula"/>.</summary>
    public RiskEstimator Estimator { get; init; } = RiskEstimator.GFormula;

    /// <summary>The level of the Wald intervals; 0.95.</summary>
    public double Level { get; init; } = 0.95;
}

/// <summary>The standardized risk of one treatment level at one time.</summary>
/// <param name="Level">The treatment level.</param>
/// <param name="Time">The time.</param>
/// <param name="Estimate">The standardized absolute risk.</param>
/// <param name="StdErr">Its influence-function standard error.</param>
/// <param name="Lower">Estimate − z·se, at least 0 (as ate bounds it).</param>
/// <param name="Upper">Estimate + z·se, at most 1.</param>
public readonly record struct AdjustedRiskRow(string Level, double Time, double Estimate, double StdErr, double Lower, double Upper)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Level} at {Time:0.##}: {Estimate:P1} ({Lower:P1} to {Upper:P1})");
}

/// <summary>A contrast (difference or ratio) of standardized risks, B against A.</summary>
/// <param name="LevelA">The reference level.</param>
/// <param name="LevelB">The compared level.</param>
/// <param name="Time">The time.</param>
/// <param name="Estimate">B − A, or B / A.</param>
/// <param name="StdErr">Its influence-function standard error.</param>
/// <param name="Lower">Estimate − z·se (Wald on the natural scale, also for the ratio), bounded as ate bounds it: a
/// difference in [−1, 1], a ratio at least 0.</param>
/// <param name="Upper">Estimate + z·se (a difference at most 1).</param>
/// <param name="PValue">2Φ(−|Estimate − null| / se), null 0 for a difference and 1 for a ratio.</param>
public readonly record struct AdjustedContrastRow(string LevelA, string LevelB, double Time, double Estimate, double StdErr,
    double Lower, double Upper, double PValue)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{LevelB} vs {LevelA} at {Time:0.##}: {Estimate:0.####} ({Lower:0.####} to {Upper:0.####}), p = {PValue:G3}");
}

/// <summary>Standardized absolute risks by treatment and their contrasts (= <c>riskRegression::ate</c>).</summary>
public sealed class AdjustedRiskResult
{
    internal AdjustedRiskResult()
    {
    }

    /// <summary>The estimator.</summary>
    public RiskEstimator Estimator { get; internal init; }

    /// <summary>Per level (ordinal order) and time: = <c>ate(...)$meanRisk</c>.</summary>
    public ImmutableArray<AdjustedRiskRow> MeanRisk { get; internal init; }

    /// <summary>B − A for every pair of levels A before B, per time: = <c>$diffRisk</c>.</summary>
    public ImmutableArray<AdjustedContrastRow> Difference { get; internal init; }

    /// <summary>B / A for every pair, per time: = <c>$ratioRisk</c>.</summary>
    public ImmutableArray<AdjustedContrastRow> Ratio { get; internal init; }

    /// <summary>Whether every nuisance model (the cause-specific Cox models) reached its optimum.</summary>
    public bool Converged { get; internal init; }

    /// <summary>Which model did not converge, and why; null when all did.</summary>
    public string? ConvergenceNote { get; internal init; }

    /// <summary>The confidence level.</summary>
    public double Level { get; internal init; }

    /// <summary>Records, events of interest and competing events (counts behind every estimate).</summary>
    public int Records { get; internal init; }

    /// <summary>Events of the cause of interest per treatment level (ordinal order of the levels).</summary>
    public ImmutableArray<int> EventsByLevel { get; internal init; }

    /// <summary>Records per treatment level.</summary>
    public ImmutableArray<int> RecordsByLevel { get; internal init; }

    /// <summary>The treatment levels in ordinal order.</summary>
    public ImmutableArray<string> Levels { get; internal init; }

    /// <summary>The risks and differences as a table, under the disclosure rules (each level's risks rest on its events).</summary>
    /// <returns>The table.</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string level = (Level * 100).ToString("0.####", c) + "% CI";
        var table = new ResultTable($"Standardized risks ({Estimator switch { RiskEstimator.GFormula => "g-formula", RiskEstimator.Iptw => "IPTW", _ => "AIPTW" }})",
            "Comparison", "Time", "Risk or difference", level, "p")
        {
            Note = "= riskRegression::ate" + (Converged ? "" : "; WARNING: NOT CONVERGED: " + ConvergenceNote),
        };
        var events = Levels.Select((l, i) => new CountCell(EventsByLevel[i], hidden: true)).ToArray();
        var records = Levels.Select((l, i) => new CountCell(RecordsByLevel[i])).ToArray();
        for (int i = 0; i < Levels.Length; i++)
        {
            table.AddRow(new TextCell(Levels[i] + ": patients"), new TextCell(""), records[i], new TextCell(""), new TextCell(""));
        }

        foreach (var r in MeanRisk)
        {
            int k = Levels.IndexOf(r.Level);
            table.AddRow(new TextCell(r.Level), new TextCell(r.Time.ToString("0.##", c)),
                new DerivedCell(r.Estimate.ToString("0.0000", c), events[k], records[k]) { Reveals = [] },
                new DerivedCell($"{r.Lower.ToString("0.0000", c)} to {r.Upper.ToString("0.0000", c)}", events[k], records[k]) { Reveals = [] },
                new TextCell(""));
        }

        foreach (var r in Difference)
        {
            int a = Levels.IndexOf(r.LevelA), b = Levels.IndexOf(r.LevelB);
            CountCell[] basis = [events[a], events[b], records[a], records[b]];
            table.AddRow(new TextCell($"{r.LevelB} - {r.LevelA}"), new TextCell(r.Time.ToString("0.##", c)),
                new DerivedCell(r.Estimate.ToString("0.0000", c), basis) { Reveals = [] },
                new DerivedCell($"{r.Lower.ToString("0.0000", c)} to {r.Upper.ToString("0.0000", c)}", basis) { Reveals = [] },
                new DerivedCell(r.PValue.ToString("G3", c), basis) { Reveals = [] });
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText(DisclosurePolicy.Default);
}

/// <summary>Standardized (adjusted) absolute risks of a cause by treatment.</summary>
public static partial class AdjustedRisk
{
    /// <summary>The risk of <paramref name="eventOfInterest"/> by <paramref name="times"/> had everyone received each
    /// treatment level, with influence-function standard errors (= <c>riskRegression::ate(event = CSC(Hist(time, cause) ~
    /// treatment + confounders), treatment = "treatment", data, times, cause, estimator = "GFORMULA", se = TRUE)</c>,
    /// riskRegression 2022.11.28). G-formula: one Cox model (Efron ties) per cause on treatment + confounders; for
    /// patient j and level a, F(t | a, x_j) = Σ_{s ≤ t} S(s− | a, x_j) r₁ λ₁(s), S the product-limit Π(1 − Σ_c r_c λ_c)
    /// over all causes, λ_c the Efron baseline hazard (= <c>basehaz</c>); the estimate is the mean over patients.
    /// Influence function of patient i: (F_i − θ)/n + Σ_c [IF(β_c)_i·∂θ/∂β_c + Σ_s IF(λ_c(s))_i·∂θ/∂λ_c(s)], with
    /// riskRegression's conventions reproduced: IF(β) = V[δ_i(x_i − E(T_i)) − r_i Σ_{s ≤ T_i} (x_i − E(s))/S₀(s)], the
    /// sum over the distinct event times (one event per time in the compensator), IF(λ(s)) = −IF(β)·E(s)λ(s) −
    /// r_i λ(s)/S₀(s)·[s ≤ T_i] + δ_i[T_i = s]/S₀(s), and the derivative of S through the cumulative hazards
    /// (∂S/∂λ = −S r). se² = Σ_i IF_i²; contrasts by the IF of B − A and of B/A (IF_B/θ_A − θ_B IF_A/θ_A²); Wald
    /// intervals on the natural scale; the ratio's p-value tests 1. IPTW (= ate(..., treatment = glm(treatment ~
    /// confounders, binomial), censor = coxph(Surv(time, cause == 0) ~ treatment + confounders), estimator = "IPTW")):
    /// θ_a(t) = mean of 1{A = a}/π_a · 1{T ≤ t, cause}/G(min(T, t)−) with G the censoring model's product-limit survival
    /// at the last censoring time before min(T, t); its influence function adds the propensity model's (lava::iid of
    /// the glm) and the censoring model's terms, the latter with the derivative of G taken on exp(−rΛ), as riskRegression
    /// does. AIPTW (= ate(..., estimator = "AIPTW") with the same three models, which runs "AIPTW,AIPCW"): θ_a(τ) = mean of
    /// F₁(τ | a, W) + 1{A = a}/π_a·[1{T ≤ τ, cause}/G(min(T, τ)−) − F₁(τ | a, W) + ∫₀^{min(T, τ)} (F₁(τ) − F₁(s))/(S(s−)
    /// G(s−)) dM^C(s)], the integral over ate's list of censoring jumps (every censored record's time, ties repeated);
    /// its influence function is ate's default decomposition (method.iid = 1), including one quirk reproduced on purpose:
    /// where censoring times are tied, R's predictRisk pairs the k-th distinct jump time with the k-th weight column of
    /// the jump list in the term of F₁ at the jumps (ate's alternative method.iid = 2 does not, and its standard errors
    /// differ by up to about 2% on the example data).</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, else a cause code ≥ 1.</param>
    /// <param name="eventOfInterest">The cause whose risk is standardized.</param>
    /// <param name="treatment">The treatment level per record (at least two levels; ordinal order, the first the reference).</param>
    /// <param name="confounders">The confounders' design matrix.</param>
    /// <param name="times">The times, finite and ≥ 0.</param>
    /// <param name="options">Estimator and level; null = <see cref="AdjustedRiskOptions.Default"/>.</param>
    /// <returns>The mean risks, differences and ratios.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ; a missing treatment; fewer than two levels; no event of
    /// interest; no time; a bad duration, cause or time (index named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time after the last follow-up time (index named; ate returns NA
    /// there).</exception>
    /// <exception cref="ArithmeticException">AIPTW only: a record's augmentation term is undefined (its predicted
    /// event-free or censoring survival is 0 before one of its censoring jumps, where ate returns NaN).</exception>
    public static AdjustedRiskResult Estimate(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest,
        IReadOnlyList<string> treatment, DesignMatrix confounders, ReadOnlySpan<double> times, AdjustedRiskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(treatment);
        ArgumentNullException.ThrowIfNull(confounders);
        options ??= AdjustedRiskOptions.Default;
        int n = durations.Length;
        Guard.NotEmpty(n, nameof(durations));
        Guard.SameLength(n, nameof(durations), causes.Length, nameof(causes));
        Guard.SameLength(n, nameof(durations), treatment.Count, nameof(treatment));
        Guard.SameLength(n, nameof(durations), confounders.Rows, nameof(confounders));
        Guard.FiniteNonNegative(durations, nameof(durations));
        Guard.EventCause(eventOfInterest);
        Guard.Level(options.Level, "options.Level");
        if (times.IsEmpty)
        {
            throw new ArgumentException("at least one time is needed.", nameof(times));
        }

        Guard.FiniteNonNegative(times, nameof(times));
        double lastTime = durations[0];
        foreach (double d in durations)
        {
            lastTime = Math.Max(lastTime, d);
        }

        for (int k = 0; k < times.Length; k++)
        {
            if (times[k] > lastTime)
            {
                throw new ArgumentOutOfRangeException(nameof(times), times[k],
                    $"times[{k}] = {Guard.Show(times[k])} is after the last follow-up time {Guard.Show(lastTime)}: no risk is estimated beyond the data (riskRegression::ate returns NA there).");
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (treatment[i] is null)
            {
                throw new ArgumentException($"treatment[{i}] is missing.", nameof(treatment));
            }

            if (causes[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(causes), causes[i], $"causes[{i}] is negative.");
            }
        }

        // the levels (ordinal order) and each record's level: codes by first appearance through a cache of string
        // instances, then ranked
        var firstCodes = new Dictionary<string, int>(StringComparer.Ordinal);
        var cacheRefs = new object?[64];
        var cacheCodes = new int[64];
        var level = new int[n];
        for (int i = 0; i < n; i++)
        {
            level[i] = NameCodes.Code(firstCodes, treatment[i], cacheRefs, cacheCodes);
        }

        var names = firstCodes.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
        var levels = names.Order(StringComparer.Ordinal).ToArray();
        if (levels.Length < 2)
        {
            throw new ArgumentException($"treatment has a single level '{levels[0]}': nothing to compare.", nameof(treatment));
        }

        var causeCodes = new SortedSet<int>();
        for (int i = 0; i < n; i++)
        {
            if (causes[i] > 0)
            {
                causeCodes.Add(causes[i]);
            }
        }

        if (!causeCodes.Contains(eventOfInterest))
        {
            throw new ArgumentException($"no record has the event of interest {eventOfInterest}.", nameof(causes));
        }

        // the design: treatment contrasts first, then the confounders (= model.matrix(~ treatment + confounders))
        int L = levels.Length;
        int q = confounders.Columns;
        int p = (L - 1) + q;
        var rank = names.Select(name => Array.BinarySearch(levels, name, StringComparer.Ordinal)).ToArray();
        for (int i = 0; i < n; i++)
        {
            level[i] = rank[level[i]];
        }

        var columns = new double[p][];
        for (int k = 1; k < L; k++)
        {
            var col = new double[n];
            for (int i = 0; i < n; i++)
            {
                col[i] = level[i] == k ? 1 : 0;
            }

            columns[k - 1] = col;
        }

        for (int j = 0; j < q; j++)
        {
            columns[(L - 1) + j] = confounders.Column(j);
        }

        var terms = levels.Skip(1).Select(l => "treatment" + l).Concat(confounders.Terms).ToArray();
        var design = DesignMatrix.FromColumns([.. terms], columns, n);
        var time = durations.ToArray();
        var cause = causes.ToArray();
        if (options.Estimator is RiskEstimator.Iptw or RiskEstimator.Aiptw && L != 2)
        {
            throw new ArgumentException($"{(options.Estimator == RiskEstimator.Iptw ? "IPTW" : "AIPTW")} needs exactly two treatment levels (have {L}).", nameof(treatment));
        }

        var models = options.Estimator == RiskEstimator.GFormula ? CauseModel.FitAll(time, cause, [.. causeCodes], design, sortedRecords: true) : [];
        string? note = string.Join("; ", models.Where(m => !m.Model.Converged).Select(m => $"cause {m.Cause}: {m.Model.ConvergenceNote}"));
        note = note.Length == 0 ? null : note;
        Iptw? iptw = null;
        if (options.Estimator == RiskEstimator.Iptw)
        {
            iptw = Iptw.Fit(time, cause, level, confounders, design);
            note = iptw.Note;
        }

        Aiptw? aiptw = null;
        if (options.Estimator == RiskEstimator.Aiptw)
        {
            aiptw = Aiptw.Fit(time, cause, level, confounders, design, causeCodes, eventOfInterest, L);
            note = aiptw.Note;
        }

        var ts = times.ToArray();
        Array.Sort(ts);   // the rows come in ascending time
        int nt = ts.Length;
        int interest = Array.FindIndex(models, m => m.Cause == eventOfInterest);
        var est = new double[L, nt];
        var infl = new double[L, nt][];
        for (int a = 0; a < L; a++)
        {
            var (theta, inf) = iptw is not null ? iptw.Estimate(a, ts, time, cause, level, eventOfInterest)
                : aiptw is not null ? aiptw.Estimate(a, ts, time, cause, level)
                : GFormula(models, interest, design, L, a, ts, models[0].RecordTime, models[0].RecordCause);
            for (int k = 0; k < nt; k++)
            {
                est[a, k] = theta[k];
                infl[a, k] = inf[k];
            }
        }

        double z = Distributions.NormalQuantile(1 - ((1 - options.Level) / 2));
        var mean = ImmutableArray.CreateBuilder<AdjustedRiskRow>();
        for (int a = 0; a < L; a++)
        {
            for (int k = 0; k < nt; k++)
            {
                double se = Norm(infl[a, k]);
                // ate bounds the Wald limits by the range of each quantity: risks in [0, 1]
                mean.Add(new AdjustedRiskRow(levels[a], ts[k], est[a, k], se, Math.Max(0, est[a, k] - (z * se)), Math.Min(1, est[a, k] + (z * se))));
            }
        }

        var diff = ImmutableArray.CreateBuilder<AdjustedContrastRow>();
        var ratio = ImmutableArray.CreateBuilder<AdjustedContrastRow>();
        for (int a = 0; a < L; a++)
        {
            for (int b = a + 1; b < L; b++)
            {
                for (int k = 0; k < nt; k++)
                {
                    var ia = infl[a, k];
                    var ib = infl[b, k];
                    double ta = est[a, k], tb = est[b, k];
                    double dSq = 0, rSq = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double d = ib[i] - ia[i];
                        double r = (ib[i] / ta) - (tb * ia[i] / (ta * ta));
                        dSq += d * d;
                        rSq += r * r;
                    }

                    double dEst = tb - ta, dSe = Math.Sqrt(dSq);
                    double rEst = tb / ta, rSe = Math.Sqrt(rSq);
                    diff.Add(new AdjustedContrastRow(levels[a], levels[b], ts[k], dEst, dSe, Math.Max(-1, dEst - (z * dSe)), Math.Min(1, dEst + (z * dSe)),
                        2 * Distributions.NormalTail(Math.Abs(dEst / dSe))));
                    ratio.Add(new AdjustedContrastRow(levels[a], levels[b], ts[k], rEst, rSe, Math.Max(0, rEst - (z * rSe)), rEst + (z * rSe),
                        2 * Distributions.NormalTail(Math.Abs((rEst - 1) / rSe))));
                }
            }
        }

        var eventsBy = new int[L];
        var recordsBy = new int[L];
        for (int i = 0; i < n; i++)
        {
            recordsBy[level[i]]++;
            eventsBy[level[i]] += cause[i] == eventOfInterest ? 1 : 0;
        }

        return new AdjustedRiskResult
        {
            Estimator = options.Estimator,
            MeanRisk = mean.ToImmutable(),
            Difference = diff.ToImmutable(),
            Ratio = ratio.ToImmutable(),
            Converged = note is null,
            ConvergenceNote = note,
            Level = options.Level,
            Records = n,
            EventsByLevel = [.. eventsBy],
            RecordsByLevel = [.. recordsBy],
            Levels = [.. levels],
        };
    }

    /// <summary>Each record's last grid point at or before its time (−1 when none): by one merge when the times descend
    /// (the cause models' record order), else by binary search.</summary>
    private static int[] GridIndex(double[] grid, double[] time)
    {
        int n = time.Length;
        var idx = new int[n];
        int g = grid.Length - 1;
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && time[i] > time[i - 1])
            {
                for (int j = 0; j < n; j++)
                {
                    idx[j] = SortedSearch.CountAtMost(grid, time[j]) - 1;
                }

                return idx;
            }

            while (g >= 0 && grid[g] > time[i])
            {
                g--;
            }

            idx[i] = g;
        }

        return idx;
    }

    private static double Norm(double[] v)
    {
        double s = 0;
        foreach (double x in v)
        {
            s += x * x;
        }

        return Math.Sqrt(s);
    }

    /// <summary>θ_a(t) and the influence function (on the scale whose sum of squares is the variance) of each patient.</summary>
    private static (double[] Theta, double[][] Influence) GFormula(CauseModel[] models, int interest, DesignMatrix design,
        int levelCount, int a, double[] ts, double[] time, int[] cause)
    {
        int n = design.Rows;
        int p = design.Columns;
        int nc = models.Length;
        int nt = ts.Length;

        // the grid: the distinct event times of any cause up to the last time asked
        double tmax = ts.Max();
        var grid = models.SelectMany(m => m.Times).Where(s => s <= tmax).Distinct().Order().ToArray();
        int K = grid.Length;
        var lambda = new double[nc][];
        for (int c = 0; c < nc; c++)
        {
            lambda[c] = new double[K];
            var m = models[c];
            for (int l = 0; l < K; l++)
            {
                int idx = Array.BinarySearch(m.Times, grid[l]);
                lambda[c][l] = idx >= 0 ? m.Hazard[idx] : 0;
            }
        }

        // the hazards cause-major in one array for the kernel; Λ_c through each grid point (a running sum)
        var lamFlat = new double[nc * K];
        var cumLam = new double[nc][];
        for (int c = 0; c < nc; c++)
        {
            lambda[c].CopyTo(lamFlat, c * K);
            cumLam[c] = new double[K];
            double run = 0;
            for (int l = 0; l < K; l++)
            {
                run += lambda[c][l];
                cumLam[c][l] = run;
            }
        }

        // index of the last grid time <= t for each t (-1 when none)
        var upto = ts.Select(t => SortedSearch.CountAtMost(grid, t) - 1).ToArray();

        // the centred design under level a, in the models' record order (the treatment contrasts set to level a)
        var center = models[0].Center;
        double[] Row(int j, double[] buffer)
        {
            models[0].CenteredRow(j).CopyTo(buffer);
            for (int k = 1; k < levelCount; k++)
            {
                buffer[k - 1] = (a == k ? 1 : 0) - center[k - 1];
            }

            return buffer;
        }

        var P = new double[nc][];
        for (int c = 0; c < nc; c++)
        {
            P[c] = new double[K];
        }

        var Q = new double[nc, nt];
        var B = new double[nc, nt][];
        for (int c = 0; c < nc; c++)
        {
            for (int k = 0; k < nt; k++)
            {
                B[c, k] = new double[p];
            }
        }

        var F = new double[nt][];
        for (int k = 0; k < nt; k++)
        {
            F[k] = new double[n];
        }

        // one pass over the patients in parallel blocks, each with its own accumulators of P, Q and B (merged in block
        // order, so the sums do not depend on the scheduling)
        int blocks = Math.Max(1, Math.Min(64, n / 2048));
        var partP = new double[blocks][][];
        var partQ = new double[blocks][,];
        var partB = new double[blocks][,][];
        Parallel.For(0, blocks, blk =>
        {
            int lo = (int)((long)n * blk / blocks), hi = (int)((long)n * (blk + 1) / blocks);
            var lp = new double[nc][];
            var lq = new double[nc, nt];
            var lb = new double[nc, nt][];
            for (int c = 0; c < nc; c++)
            {
                lp[c] = new double[K];
                for (int k = 0; k < nt; k++)
                {
                    lb[c, k] = new double[p];
                }
            }

            // Bv vectors of W patients at a time (the tail padded with r = 0, which adds nothing)
            int W = System.Numerics.Vector<double>.Count;
            const int Bv = 8;
            int GW = Bv * W;
            var zj = new double[p];
            var zv = new double[p][];
            for (int k = 0; k < p; k++)
            {
                zv[k] = new double[GW];
            }

            var rl = new double[nc][];
            for (int c = 0; c < nc; c++)
            {
                rl[c] = new double[GW];
            }

            var lpv = new System.Numerics.Vector<double>[nc * K];   // cause-major: c·K + l
            var lqv = new System.Numerics.Vector<double>[nc, nt];
            var r = new System.Numerics.Vector<double>[nc * Bv];    // cause-major: c·Bv + b
            var G = new System.Numerics.Vector<double>[nc * Bv];
            var sv = new System.Numerics.Vector<double>[Bv];
            var fv = new System.Numerics.Vector<double>[Bv];
            var fLane = new double[W];
            var gLane = new double[W];
            for (int j0 = lo; j0 < hi; j0 += GW)
            {
                int lanes = Math.Min(GW, hi - j0);
                for (int c = 0; c < nc; c++)
                {
                    Array.Clear(rl[c]);
                }

                for (int q = 0; q < lanes; q++)
                {
                    Row(j0 + q, zj);
                    for (int k = 0; k < p; k++)
                    {
                        zv[k][q] = zj[k];
                    }

                    for (int c = 0; c < nc; c++)
                    {
                        double eta = 0;
                        for (int k = 0; k < p; k++)
                        {
                            eta += zj[k] * models[c].Beta[k];
                        }

                        rl[c][q] = Math.Exp(eta);
                    }
                }

                for (int b = 0; b < Bv; b++)
                {
                    for (int c = 0; c < nc; c++)
                    {
                        r[(c * Bv) + b] = new System.Numerics.Vector<double>(rl[c], b * W);
                        G[(c * Bv) + b] = System.Numerics.Vector<double>.Zero;
                    }

                    sv[b] = System.Numerics.Vector<double>.One;
                    fv[b] = System.Numerics.Vector<double>.Zero;
                }

                int tk = 0;
                while (tk < nt && upto[tk] < 0)
                {
                    tk++;   // a time before the first event: F = 0 (its B and Q terms vanish)
                }

                int done = 0;
                while (tk < nt)
                {
                    // walk the grid up to and including the last point <= ts[tk]
                    int stop = upto[tk] + 1;
                    if (nc == 2)
                    {
                        Kernels.GFormulaKernel.AdvanceTwo(sv, fv, G, r, interest, lamFlat, lpv, K, done, stop);
                    }
                    else
                    {
                        Kernels.GFormulaKernel.AdvanceAny(sv, fv, G, r, interest, lamFlat, lpv, K, done, stop);
                    }

                    done = stop;
                    int l = stop - 1;
                    while (tk < nt && upto[tk] == l)
                    {
                        for (int b = 0; b * W < lanes; b++)
                        {
                            int bl = Math.Min(W, lanes - (b * W));
                            var f = fv[b];
                            f.CopyTo(fLane);
                            for (int q = 0; q < bl; q++)
                            {
                                F[tk][j0 + (b * W) + q] = fLane[q];
                            }

                            for (int c = 0; c < nc; c++)
                            {
                                var rc = r[(c * Bv) + b];
                                lqv[c, tk] += rc * f;
                                var g = (c == interest ? f : System.Numerics.Vector<double>.Zero) - (rc * cumLam[c][l] * f) + (rc * G[(c * Bv) + b]);
                                g.CopyTo(gLane);
                                var bck = lb[c, tk];
                                for (int k = 0; k < p; k++)
                                {
                                    double acc = 0;
                                    var zk = zv[k];
                                    for (int q = 0; q < bl; q++)
                                    {
                                        acc += gLane[q] * zk[(b * W) + q];
                                    }

                                    bck[k] += acc;
                                }
                            }
                        }

                        tk++;
                    }
                }

                // the grid after the last time asked adds to P (every patient's f and s keep moving)
                if (done < K)
                {
                    if (nc == 2)
                    {
                        Kernels.GFormulaKernel.AdvanceTwo(sv, fv, G, r, interest, lamFlat, lpv, K, done, K);
                    }
                    else
                    {
                        Kernels.GFormulaKernel.AdvanceAny(sv, fv, G, r, interest, lamFlat, lpv, K, done, K);
                    }
                }
            }

            for (int c = 0; c < nc; c++)
            {
                for (int l = 0; l < K; l++)
                {
                    lp[c][l] = System.Numerics.Vector.Sum(lpv[(c * K) + l]);
                }

                for (int k = 0; k < nt; k++)
                {
                    lq[c, k] = System.Numerics.Vector.Sum(lqv[c, k]);
                }
            }

            partP[blk] = lp;
            partQ[blk] = lq;
            partB[blk] = lb;
        });

        for (int blk = 0; blk < blocks; blk++)
        {
            for (int c = 0; c < nc; c++)
            {
                for (int l = 0; l < K; l++)
                {
                    P[c][l] += partP[blk][c][l];
                }

                for (int k = 0; k < nt; k++)
                {
                    Q[c, k] += partQ[blk][c, k];
                    for (int kk = 0; kk < p; kk++)
                    {
                        B[c, k][kk] += partB[blk][c, k][kk];
                    }
                }
            }
        }

        double inv = 1.0 / n;
        var theta = new double[nt];
        for (int k = 0; k < nt; k++)
        {
            theta[k] = F[k].Sum() * inv;
        }

        // per cause: prefix sums over the grid of lambda E A / and of lambda A / S0, with A(t) = P - Q(t)
        // (in place: F is not needed after θ)
        var influence = new double[nt][];
        for (int k = 0; k < nt; k++)
        {
            var inf = F[k];
            for (int i = 0; i < n; i++)
            {
                inf[i] = (inf[i] - theta[k]) * inv;
            }

            influence[k] = inf;
        }

        // each record's last grid point at or before its time (-1 when none), once for all causes and times
        var gridIdx = models[0].GridIndex(grid);
        int idxBlocks = Math.Max(1, Math.Min(64, n / 4096));

        for (int c = 0; c < nc; c++)
        {
            var m = models[c];
            var lam = lambda[c];
            var s0 = new double[K];
            var e = new double[K][];
            for (int l = 0; l < K; l++)
            {
                s0[l] = m.RiskSum0(grid[l]);
                e[l] = m.RiskMean(grid[l]);
            }

            // per time: the direction for IF(beta) (B/n - D, D = sum_l lambda_l E_l A_l(t)), the prefix of lambda A / S0
            // by grid index and A itself, with A_l(t) = P_l/n - Q(t)/n
            var direction = new double[nt][];
            var prefix = new double[nt][];
            var aAt = new double[nt][];
            for (int k = 0; k < nt; k++)
            {
                int last = upto[k];
                direction[k] = new double[p];
                prefix[k] = new double[Math.Max(0, last + 2)];
                aAt[k] = new double[Math.Max(0, last + 1)];
                if (last < 0)
                {
                    continue;
                }

                double qk = Q[c, k] * inv;
                var dvec = new double[p];
                var pre = prefix[k];
                for (int l = 0; l <= last; l++)
                {
                    double al = (P[c][l] * inv) - qk;
                    aAt[k][l] = al;
                    for (int kk = 0; kk < p; kk++)
                    {
                        dvec[kk] += lam[l] * e[l][kk] * al;
                    }

                    pre[l + 1] = pre[l] + (lam[l] * al / s0[l]);
                }

                for (int kk = 0; kk < p; kk++)
                {
                    direction[k][kk] = (B[c, k][kk] * inv) - dvec[kk];
                }
            }

            // IF(β)_i · direction = U_i · (V direction)
            var wDir = new double[nt][];
            for (int k = 0; k < nt; k++)
            {
                wDir[k] = m.TimesV(direction[k]);
            }

            Parallel.For(0, idxBlocks, blk =>
            {
                int from = (int)((long)n * blk / idxBlocks), until = (int)((long)n * (blk + 1) / idxBlocks);
                var ifb = new double[p];
                for (int i = from; i < until; i++)
                {
                    m.Score(i, ifb);
                    double risk = m.Risk(i);
                    int gi = gridIdx[i];
                    bool isEvent = cause[i] == m.Cause;   // at a grid time only when at or before the last time asked
                    for (int k = 0; k < nt; k++)
                    {
                        int last = upto[k];
                        if (last < 0)
                        {
                            continue;
                        }

                        var dk = wDir[k];
                        double v = 0;
                        for (int kk = 0; kk < p; kk++)
                        {
                            v += ifb[kk] * dk[kk];
                        }

                        // at risk at grid times <= min(t, T_i); an event of this cause at a grid time <= t
                        v -= risk * prefix[k][Math.Min(last, gi) + 1];
                        if (isEvent && gi >= 0 && gi <= last && grid[gi] == time[i])
                        {
                            v += aAt[k][gi] / s0[gi];
                        }

                        influence[k][i] += v;
                    }
                }
            });
        }

        return (theta, influence);
    }

    /// <summary>IPTW with IPCW (= ate's "IPTW,IPCW"): the propensity model glm(treatment ~ confounders, binomial), the
    /// censoring model coxph(Surv(time, cause == 0) ~ treatment + confounders) (Efron), and the influence function of
    /// riskRegression 2022.11.28 (its conventions reproduced: IF(beta) with one event per distinct time, the
    /// derivative of the censoring survival taken on exp(−rΛ) while the weights use its product limit).</summary>
    private sealed class Iptw
    {
        private GlmModel ps = null!;
        private double[][] psDesign = [];   // with the intercept column
        private double[] psIf = [];          // n x q: lava::iid(glm) = estfun %*% vcov
        private CauseModel? censor;
        private double[] jumps = [];         // censoring times, sorted, with repeats

        /// <summary>The propensity model glm(treatment ~ confounders, binomial).</summary>
        public GlmModel Propensity => ps;

        /// <summary>The propensity model's design columns, the intercept first.</summary>
        public double[][] PropensityDesign => psDesign;

        /// <summary>The propensity model's coefficient influence, n × q row-major (= lava::iid).</summary>
        public double[] PropensityInfluence => psIf;

        /// <summary>The censoring model coxph(Surv(time, cause == 0) ~ treatment + confounders); null when no record
        /// is censored.</summary>
        public CauseModel? Censoring => censor;

        /// <summary>The censoring times, sorted, ties repeated (ate's time.jumpC before its truncation).</summary>
        public double[] CensoringJumps => jumps;

        public string? Note { get; private init; }

        public static Iptw Fit(double[] time, int[] cause, int[] level, DesignMatrix confounders, DesignMatrix design)
        {
            int n = time.Length;
            var treated = new double[n];
            for (int i = 0; i < n; i++)
            {
                treated[i] = level[i] == 1 ? 1 : 0;
            }

            var ps = Glm.Fit(confounders, treated, GlmFamily.Binomial);
            int q = ps.Terms.Length;
            var cols = new double[q][];
            cols[0] = Enumerable.Repeat(1.0, n).ToArray();
            for (int j = 1; j < q; j++)
            {
                cols[j] = confounders.Column(j - 1);
            }

            var v = ps.Variance;
            var psIf = new double[n * q];
            for (int i = 0; i < n; i++)
            {
                double res = treated[i] - ps.FittedValues[i];
                for (int r = 0; r < q; r++)
                {
                    double sum = 0;
                    for (int k = 0; k < q; k++)
                    {
                        sum += cols[k][i] * res * v[(k * q) + r];
                    }

                    psIf[(i * q) + r] = sum;
                }
            }

            // no censored record: G = 1, no censoring model and no censoring term (as ate with a censoring model
            // without events)
            var censor = Array.IndexOf(cause, 0) >= 0 ? CauseModel.Fit(time, cause, 0, design) : null;
            var jumps = Enumerable.Range(0, n).Where(i => cause[i] == 0).Select(i => time[i]).Order().ToArray();
            string? note = null;
            if (!ps.Converged)
            {
                note = "propensity model: " + ps.ConvergenceNote;
            }

            if (censor is not null && !censor.Model.Converged)
            {
                note = (note is null ? "" : note + "; ") + "censoring model: " + censor.Model.ConvergenceNote;
            }

            return new Iptw { ps = ps, psDesign = cols, psIf = psIf, censor = censor, jumps = jumps, Note = note };
        }

        public (double[] Theta, double[][] Influence) Estimate(int a, double[] ts, double[] time, int[] cause, int[] level, int eventOfInterest)
        {
            int n = time.Length;
            int q = psDesign.Length;
            int p = censor?.Center.Length ?? 0;
            var lam = censor?.Hazard ?? [];
            var cTimes = censor?.Times ?? [];
            int K = cTimes.Length;
            var cumLam = new double[K + 1];
            for (int l = 0; l < K; l++)
            {
                cumLam[l + 1] = cumLam[l] + lam[l];
            }

            var s0 = censor is null ? [] : cTimes.Select(censor.RiskSum0).ToArray();
            var e = censor is null ? [] : cTimes.Select(censor.RiskMean).ToArray();
            var theta = new double[ts.Length];
            var influence = new double[ts.Length][];
            for (int k = 0; k < ts.Length; k++)
            {
                double tau = ts[k];
                var val = new double[n];
                var fac = new double[n];    // -Y C/G M/pi^2 (treatment term)
                var facC = new double[n];   // -M/pi C/G^2 Y (censoring term)
                var upto = new int[n];      // censoring-model jumps <= tt_j
                for (int j = 0; j < n; j++)
                {
                    double pi = a == 1 ? ps.FittedValues[j] : 1 - ps.FittedValues[j];
                    bool m = level[j] == a;
                    bool y = time[j] <= tau && cause[j] == eventOfInterest;
                    bool cOk = !(time[j] <= tau && cause[j] == 0);
                    if (!(m && y && cOk))
                    {
                        continue;
                    }

                    // the last censoring time strictly before min(T, tau); the censoring survival there (product limit)
                    double at = Math.Min(time[j], tau);
                    int idx = SortedSearch.CountBelow(jumps, at);
                    double tt = idx == 0 ? 0 : jumps[idx - 1];
                    int l1 = SortedSearch.CountAtMost(cTimes, tt);
                    upto[j] = l1;
                    double g = 1;
                    double r = censor?.Risk(j) ?? 0;
                    for (int l = 0; l < l1; l++)
                    {
                        g *= 1 - (r * lam[l]);
                    }

                    val[j] = 1 / pi / g;
                    fac[j] = -1 / g / (pi * pi);
                    facC[j] = -1 / pi / (g * g);
                }

                double mean = val.Sum() / n;
                theta[k] = mean;
                var inf = new double[n];
                for (int i = 0; i < n; i++)
                {
                    inf[i] = (val[i] - mean) / n;
                }

                // propensity term: IF_g . sum_j fac_j dpi_j / n, dpi = +-p(1-p) x
                var gradPs = new double[q];
                // censoring term pieces: A_l (per jump), Bv (per covariate)
                var A = new double[K + 1];
                var bv = new double[p];
                for (int j = 0; j < n; j++)
                {
                    if (fac[j] == 0)
                    {
                        continue;
                    }

                    double pr = ps.FittedValues[j];
                    double dpi = (a == 1 ? 1 : -1) * pr * (1 - pr);
                    for (int r = 0; r < q; r++)
                    {
                        gradPs[r] += fac[j] * dpi * psDesign[r][j];
                    }

                    if (censor is null)
                    {
                        continue;
                    }

                    double r0 = censor.Risk(j);
                    double lt = cumLam[upto[j]];
                    double w = facC[j] * Math.Exp(-r0 * lt) * r0;
                    A[upto[j]] += w;   // added to every jump l < upto[j]: a suffix sum below
                    var zc = censor.CenteredRow(j);
                    for (int r = 0; r < p; r++)
                    {
                        bv[r] += w * lt * zc[r];
                    }
                }

                // A_l = sum over j with jump l among its first upto[j] jumps
                var Al = new double[K];
                double acc = 0;
                for (int l = K - 1; l >= 0; l--)
                {
                    acc += A[l + 1];
                    Al[l] = acc;
                }

                // sum_l IFlambda_{l,i} A_l = -IFb_i . sum_l E_l lam_l A_l - r_i sum_{l: s_l <= T_i} lam_l A_l / S0_l + delta_i A_{l(T_i)} / S0_{l(T_i)}
                var dvec = new double[p];
                var prefix = new double[K + 1];
                for (int l = 0; l < K; l++)
                {
                    for (int r = 0; r < p; r++)
                    {
                        dvec[r] += e[l][r] * lam[l] * Al[l];
                    }

                    prefix[l + 1] = prefix[l] + (lam[l] * Al[l] / s0[l]);
                }

                double[]? wc = null;
                var scoreC = new double[p];
                if (censor is not null)
                {
                    var bd = new double[p];
                    for (int r = 0; r < p; r++)
                    {
                        bd[r] = bv[r] - dvec[r];
                    }

                    wc = censor.TimesV(bd);
                }

                for (int i = 0; i < n; i++)
                {
                    double tTerm = 0;
                    for (int r = 0; r < q; r++)
                    {
                        tTerm += psIf[(i * q) + r] * gradPs[r];
                    }

                    if (censor is null)
                    {
                        inf[i] += tTerm / n;
                        continue;
                    }

                    double cTerm = censor.InfluenceBetaDot(i, wc!, scoreC);

                    int atRisk = SortedSearch.CountAtMost(cTimes, time[i]);
                    cTerm -= censor.Risk(i) * prefix[atRisk];
                    if (cause[i] == 0)
                    {
                        int li = atRisk - 1;
                        cTerm += Al[li] / s0[li];
                    }

                    inf[i] += (tTerm - cTerm) / n;
                }

                influence[k] = inf;
            }

            return (theta, influence);
        }
    }

    /// <summary>A cause-specific Cox model (Efron ties) with the pieces riskRegression's influence functions use, in
    /// flat arrays (one allocation per quantity, not per patient).</summary>
    private sealed class CauseModel
    {
        private double[] sortedTimes = [];  // the distinct times, ascending
        private double[] suffixS0 = [];     // Σ r over records at or after each distinct time
        private double[] suffixS1 = [];     // (distinct + 1) x p: Σ r x likewise
        private double[] risk = [];
        private double[] centered = [];   // n x p, the design minus its means (shared by the models of one design)
        private double[] variance = [];   // p x p, the naive variance V of β
        private double[] c0 = [];         // Σ 1/S₀ over the event times, prefix by count
        private double[] c1 = [];         // Σ E/S₀ likewise, (m + 1) x p
        private double[] eAt = [];        // E at each event time, m x p
        private int[] uptoAt = [];        // per distinct record time: the number of event times <= it
        private int[] timeIndex = [];     // per record: its distinct time (shared by the models of one data set)
        private bool[] status = [];
        private int p;

        public int Cause { get; private init; }

        public CoxModel Model { get; private init; } = null!;

        public double[] Beta { get; private init; } = [];

        public double[] Center { get; private init; } = [];

        /// <summary>The distinct event times of the cause, ascending.</summary>
        public double[] Times { get; private init; } = [];

        /// <summary>The Efron baseline hazard at <see cref="Times"/> (on the centred scale).</summary>
        public double[] Hazard { get; private init; } = [];

        public double Risk(int i) => risk[i];

        /// <summary>Each record's last point of <paramref name="grid"/> at or before its time (−1 when none), kept for
        /// the next call with the same grid (the g-formula asks once per treatment level).</summary>
        public int[] GridIndex(double[] grid)
        {
            if (gridIndex is { } known && known.Grid.AsSpan().SequenceEqual(grid))
            {
                return known.Index;
            }

            var index = AdjustedRisk.GridIndex(grid, RecordTime);
            gridIndex = (grid, index);
            return index;
        }

        private (double[] Grid, int[] Index)? gridIndex;

        /// <summary>The records' times in the model's record order.</summary>
        public double[] RecordTime { get; private set; } = [];

        /// <summary>The records' causes in the model's record order.</summary>
        public int[] RecordCause { get; private set; } = [];

        public ReadOnlySpan<double> CenteredRow(int i) => centered.AsSpan(i * p, p);

        /// <summary>The score residual of record i, U_i = δ_i (x_i − E(T_i)) − r_i Σ_{event times s ≤ T_i} (x_i − E(s)) /
        /// S₀(s); the influence of β is IF(β)_i = V U_i, so a direction d needs only U_i·(V d) (<see cref="TimesV"/>),
        /// not the n × p influence.</summary>
        public void Score(int i, Span<double> score)
        {
            int upto = uptoAt[timeIndex[i]];
            double ri = risk[i];
            var xi = centered.AsSpan(i * p, p);
            for (int kk = 0; kk < p; kk++)
            {
                score[kk] = -ri * ((xi[kk] * c0[upto]) - c1[(upto * p) + kk]);
            }

            if (status[i])
            {
                for (int kk = 0; kk < p; kk++)
                {
                    score[kk] += xi[kk] - eAt[((upto - 1) * p) + kk];
                }
            }
        }

        /// <summary>IF(β)_i · d = U_i · w for w = V d (<see cref="TimesV"/>); <paramref name="score"/> is scratch.</summary>
        public double InfluenceBetaDot(int i, ReadOnlySpan<double> w, Span<double> score)
        {
            Score(i, score);
            double v = 0;
            for (int kk = 0; kk < p; kk++)
            {
                v += score[kk] * w[kk];
            }

            return v;
        }

        /// <summary>V d (V is symmetric, so d·(V U_i) = (V d)·U_i).</summary>
        public double[] TimesV(ReadOnlySpan<double> d)
        {
            var w = new double[p];
            for (int r = 0; r < p; r++)
            {
                double sum = 0;
                for (int kk = 0; kk < p; kk++)
                {
                    sum += variance[(r * p) + kk] * d[kk];
                }

                w[r] = sum;
            }

            return w;
        }

        /// <summary>S₀(s) = Σ_{T_j ≥ s} r_j.</summary>
        public double RiskSum0(double s) => suffixS0[SortedSearch.CountBelow(sortedTimes, s)];

        /// <summary>E(s) = S₁(s)/S₀(s), on the centred scale.</summary>
        public double[] RiskMean(double s)
        {
            int k = SortedSearch.CountBelow(sortedTimes, s);
            double s0 = suffixS0[k];
            var e = new double[p];
            for (int j = 0; j < p; j++)
            {
                e[j] = s0 > 0 ? suffixS1[(k * p) + j] / s0 : 0;
            }

            return e;
        }

        /// <summary>Adds to <paramref name="influence"/> the influence of every record on a functional of this model
        /// whose gradient is <paramref name="gradBeta"/> (with respect to β, the centred baseline held fixed) and
        /// <paramref name="gradHazard"/> (with respect to the baseline hazard at each of <see cref="Times"/>), with
        /// riskRegression's conventions: IF(λ(s))_i = −IF(β)_i·E(s)λ(s) − r_i λ(s)/S₀(s)·[s ≤ T_i] + δ_i[T_i = s]/S₀(s).</summary>
        public void AddInfluence(ReadOnlySpan<double> gradBeta, ReadOnlySpan<double> gradHazard, double[] time, int[] cause, double[] influence)
        {
            int n = time.Length;
            int m = Times.Length;
            var direction = gradBeta.ToArray();
            var prefix = new double[m + 1];
            var atEvent = new double[m];
            for (int l = 0; l < m; l++)
            {
                double g = gradHazard[l];
                double s0 = RiskSum0(Times[l]);
                atEvent[l] = g / s0;
                prefix[l + 1] = prefix[l] + (g * Hazard[l] / s0);
                if (g != 0)
                {
                    var e = RiskMean(Times[l]);
                    for (int k = 0; k < p; k++)
                    {
                        direction[k] -= g * e[k] * Hazard[l];
                    }
                }
            }

            var w = TimesV(direction);
            var score = new double[p];
            for (int i = 0; i < n; i++)
            {
                double v = InfluenceBetaDot(i, w, score);
                int upto = SortedSearch.CountAtMost(Times, time[i]);
                v -= risk[i] * prefix[upto];
                if (cause[i] == Cause && upto > 0 && Times[upto - 1] == time[i])
                {
                    v += atEvent[upto - 1];
                }

                influence[i] += v;
            }
        }

        /// <summary>The cause-specific Cox models' options: Efron ties (coxph's default, as CSC).</summary>
        private static CoxOptions CoxFitOptions { get; } = CoxOptions.Default with { Ties = TieMethod.Efron };

        /// <summary>One model per cause code, fitted side by side (each fit is sequential; the results do not depend on
        /// the scheduling).</summary>
        /// <remarks>Every cause's Cox fit shares one sorted, centred copy of the data (only the events differ). With
        /// <paramref name="sortedRecords"/> the models hold their records in that copy's order (no second centred copy):
        /// <see cref="RecordTime"/>, <see cref="RecordCause"/> and <see cref="CenteredRow"/> are in that order, and so is
        /// every per-record quantity made from them; else in input order.</remarks>
        public static CauseModel[] FitAll(double[] time, int[] cause, int[] codes, DesignMatrix design, bool sortedRecords = false)
        {
            int n = time.Length;
            var models = new CauseModel[codes.Length];
            var first = new bool[n];
            for (int i = 0; i < n; i++)
            {
                first[i] = cause[i] == codes[0];
            }

            var data = CoxData.Prepare(time, first, design, CoxFitOptions);
            var recordTime = time;
            var recordCause = cause;
            if (sortedRecords)
            {
                recordTime = data.Time;
                recordCause = new int[n];
                for (int k = 0; k < n; k++)
                {
                    recordCause[k] = cause[data.Order[k]];
                }
            }

            var buckets = sortedRecords ? TimeBuckets.OfDescending(data.Time) : TimeBuckets.Of(time);
            var (center, centered) = sortedRecords ? (data.Center, data.X) : Centered(design);
            Parallel.For(0, codes.Length, c =>
            {
                // the first cause's events are the ones the data were prepared with
                var status = first;
                if (c > 0)
                {
                    status = new bool[n];
                    for (int i = 0; i < n; i++)
                    {
                        status[i] = cause[i] == codes[c];
                    }
                }

                var fit = CoxRegression.FitPrepared(c == 0 ? data : data.WithEvents(status), status, design, CoxFitOptions);
                models[c] = Build(fit, recordTime, recordCause, codes[c], buckets, center, centered);
            });
            return models;
        }

        /// <summary>The column means and the design minus them, row-major (n x p).</summary>
        private static (double[] Center, double[] Centered) Centered(DesignMatrix design)
        {
            int n = design.Rows, p = design.Columns;
            var center = new double[p];
            var cols = new double[p][];
            for (int k = 0; k < p; k++)
            {
                cols[k] = design.Column(k);
                center[k] = cols[k].Average();
            }

            // a row at a time (one stretch of memory each), in parallel blocks of rows
            var x = new double[n * p];
            int blocks = Math.Max(1, Math.Min(64, n / 65536));
            Parallel.For(0, blocks, blk =>
            {
                int from = (int)((long)n * blk / blocks), until = (int)((long)n * (blk + 1) / blocks);
                for (int i = from; i < until; i++)
                {
                    var row = x.AsSpan(i * p, p);
                    for (int k = 0; k < row.Length; k++)
                    {
                        row[k] = cols[k][i] - center[k];
                    }
                }
            });

            return (center, x);
        }

        /// <summary>A cause-specific Cox model (Efron ties) of <paramref name="code"/> and its pieces, records in input
        /// order.</summary>
        public static CauseModel Fit(double[] time, int[] cause, int code, DesignMatrix design)
        {
            int n = time.Length;
            var status = new bool[n];
            for (int i = 0; i < n; i++)
            {
                status[i] = cause[i] == code;
            }

            var fit = CoxRegression.Fit(time, status, design, CoxFitOptions);
            var (center, centered) = Centered(design);
            return Build(fit, time, cause, code, TimeBuckets.Of(time), center, centered);
        }

        /// <summary>The model's pieces from its fit, over records in the order of <paramref name="time"/>,
        /// <paramref name="cause"/> and the rows of <paramref name="centered"/> (the design minus
        /// <paramref name="center"/>, the centring of the fit).</summary>
        private static CauseModel Build(CoxModel fit, double[] time, int[] cause, int code, TimeBuckets buckets, double[] center, double[] centered)
        {
            int n = time.Length;
            int p = center.Length;
            var status = new bool[n];
            for (int i = 0; i < n; i++)
            {
                status[i] = cause[i] == code;
            }

            var beta = fit.Coefficients.ToArray();
            var x = centered;
            var risk = new double[n];
            for (int i = 0; i < n; i++)
            {
                double eta = 0;
                for (int k = 0; k < p; k++)
                {
                    eta += x[(i * p) + k] * beta[k];
                }

                risk[i] = Math.Exp(eta);
            }

            // sums of r and r x per distinct time (records in input order), then suffix sums over the distinct times;
            // the deaths and their risk per time for the Efron hazard
            var sortedTimes = buckets.Distinct;
            var index = buckets.Index;
            int nd = sortedTimes.Length;
            var s0 = new double[nd + 1];
            var s1 = new double[(nd + 1) * p];
            var deathsAt = new int[nd];
            var deathRiskAt = new double[nd];
            for (int i = 0; i < n; i++)
            {
                int b = index[i];
                double ri = risk[i];
                s0[b] += ri;
                for (int kk = 0; kk < p; kk++)
                {
                    s1[(b * p) + kk] += ri * x[(i * p) + kk];
                }

                if (status[i])
                {
                    deathsAt[b]++;
                    deathRiskAt[b] += ri;
                }
            }

            for (int b = nd - 1; b >= 0; b--)
            {
                s0[b] = s0[b + 1] + s0[b];
                for (int kk = 0; kk < p; kk++)
                {
                    s1[(b * p) + kk] = s1[((b + 1) * p) + kk] + s1[(b * p) + kk];
                }
            }

            // Efron baseline hazard at each distinct event time of the cause
            var times = new List<double>();
            var hazard = new List<double>();
            for (int b = 0; b < nd; b++)
            {
                int deaths = deathsAt[b];
                if (deaths > 0)
                {
                    double h = 0;
                    for (int k = 0; k < deaths; k++)
                    {
                        h += 1 / (s0[b] - (k * deathRiskAt[b] / deaths));
                    }

                    times.Add(sortedTimes[b]);
                    hazard.Add(h);
                }
            }

            var model = new CauseModel
            {
                Cause = code,
                Model = fit,
                Beta = beta,
                Center = center,
                Times = [.. times],
                Hazard = [.. hazard],
            };
            model.p = p;
            model.sortedTimes = sortedTimes;
            model.suffixS0 = s0;
            model.suffixS1 = s1;
            model.risk = risk;
            model.centered = x;

            // IF(beta) = V [delta_i (x_i - E(T_i)) - r_i sum_{event times s <= T_i} (x_i - E(s)) / S0(s)]
            var v = fit.NaiveVariance.ToArray();
            int m = times.Count;
            var c0 = new double[m + 1];
            var c1 = new double[(m + 1) * p];
            var eAt = new double[m * p];
            for (int l = 0; l < m; l++)
            {
                double s0l = model.RiskSum0(times[l]);
                var el = model.RiskMean(times[l]);
                c0[l + 1] = c0[l] + (1 / s0l);
                for (int kk = 0; kk < p; kk++)
                {
                    eAt[(l * p) + kk] = el[kk];
                    c1[((l + 1) * p) + kk] = c1[(l * p) + kk] + (el[kk] / s0l);
                }
            }

            // each distinct time's number of event times at or before it (a record's score needs only that of its time
            // and the sums)
            var timeArray = model.Times;
            var uptoAt = new int[nd];
            for (int b = 0; b < nd; b++)
            {
                uptoAt[b] = SortedSearch.CountAtMost(timeArray, sortedTimes[b]);
            }

            model.variance = v;
            model.c0 = c0;
            model.c1 = c1;
            model.eAt = eAt;
            model.uptoAt = uptoAt;
            model.timeIndex = index;
            model.status = status;
            model.RecordTime = time;
            model.RecordCause = cause;
            return model;
        }
    }

    /// <summary>The records' distinct times in ascending order and each record's position among them (shared by the
    /// cause-specific models of one data set).</summary>
    /// <param name="Distinct">The distinct times, ascending (−0 and +0 one time).</param>
    /// <param name="Index">Per record, the index of its time in <paramref name="Distinct"/>.</param>
    private sealed record TimeBuckets(double[] Distinct, int[] Index)
    {
        public static TimeBuckets Of(double[] time)
        {
            int n = time.Length;
            var order = Kernels.RadixOrder.Order(time, descending: false);
            var index = new int[n];
            var distinct = new List<double>();
            for (int k = 0; k < n; k++)
            {
                int i = order[k];
                double t = time[i];
                if (distinct.Count == 0 || t != distinct[^1])
                {
                    distinct.Add(t);
                }

                index[i] = distinct.Count - 1;
            }

            return new TimeBuckets([.. distinct], index);
        }

        /// <summary>The same for times already in descending order (no sort).</summary>
        /// <exception cref="ArgumentException">The times are not in descending order.</exception>
        public static TimeBuckets OfDescending(double[] time)
        {
            int n = time.Length;
            var index = new int[n];
            var distinct = new List<double>();
            for (int k = n - 1; k >= 0; k--)
            {
                double t = time[k];
                if (distinct.Count > 0 && t < distinct[^1])
                {
                    throw new ArgumentException($"time[{k}] = {Guard.Show(t)} breaks the descending order.", nameof(time));
                }

                if (distinct.Count == 0 || t != distinct[^1])
                {
                    distinct.Add(t);
                }

                index[k] = distinct.Count - 1;
            }

            return new TimeBuckets([.. distinct], index);
        }
    }
}




