using System.Collections.Immutable;
using CarTRisk.Numerics;
using MathNet.Numerics;

namespace CarTRisk;

/// <summary>Options of <see cref="Disproportionality.FitGps"/>.</summary>
public sealed record GpsOptions
{
    /// <summary>The defaults: openEBGM's five starting points and more.</summary>
    public static GpsOptions Default { get; } = new();

    /// <summary>Starting hyperparameter vectors (α1, β1, α2, β2, P); null = a built-in set including DuMouchel's 1999
    /// estimates and openEBGM's <c>autoHyper</c> defaults.</summary>
    public IReadOnlyList<double[]>? Starts { get; init; }
}

/// <summary>DuMouchel's (1999) gamma-Poisson shrinker: λ ~ P·Gamma(α1, β1) + (1 − P)·Gamma(α2, β2), N | λ ~ Poisson(λE).</summary>
public sealed record GpsModel
{
    private GpsModel(double alpha1, double beta1, double alpha2, double beta2, double p, double logLikelihood)
    {
        Alpha1 = alpha1;
        Beta1 = beta1;
        Alpha2 = alpha2;
        Beta2 = beta2;
        P = p;
        LogLikelihood = logLikelihood;
    }

    /// <summary>Shape of the first gamma component.</summary>
    public double Alpha1 { get; }

    /// <summary>Rate of the first gamma component.</summary>
    public double Beta1 { get; }

    /// <summary>Shape of the second gamma component.</summary>
    public double Alpha2 { get; }

    /// <summary>Rate of the second gamma component.</summary>
    public double Beta2 { get; }

    /// <summary>Weight of the first component.</summary>
    public double P { get; }

    /// <summary>The log-likelihood of the fit: Σ over pairs with N ≥ 1 of log(P f1(N)/(1 − f1(0)) + (1 − P) f2(N)/(1 − f2(0))),
    /// f_k the negative binomial of N with size α_k and probability β_k/(β_k + E), log N! included (openEBGM's −negLL
    /// with N* = 1); NaN for a model made by <see cref="From"/>.</summary>
    public double LogLikelihood { get; }

    /// <summary>A model from given hyperparameters.</summary>
    /// <param name="alpha1">α1 &gt; 0.</param>
    /// <param name="beta1">β1 &gt; 0.</param>
    /// <param name="alpha2">α2 &gt; 0.</param>
    /// <param name="beta2">β2 &gt; 0.</param>
    /// <param name="p">P in (0, 1).</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter out of range.</exception>
    public static GpsModel From(double alpha1, double beta1, double alpha2, double beta2, double p)
    {
        foreach (var (v, name) in new[] { (alpha1, nameof(alpha1)), (beta1, nameof(beta1)), (alpha2, nameof(alpha2)), (beta2, nameof(beta2)) })
        {
            if (!(v > 0 && double.IsFinite(v)))
            {
                throw new ArgumentOutOfRangeException(name, v, $"{name} must be finite and > 0.");
            }
        }

        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in (0, 1).");
        }

        return new GpsModel(alpha1, beta1, alpha2, beta2, p, double.NaN);
    }

    internal static GpsModel Fitted(double[] theta, double logLikelihood) => new(theta[0], theta[1], theta[2], theta[3], theta[4], logLikelihood);

    private static void CheckNe(double n, double e)
    {
        if (!(n >= 0 && double.IsFinite(n)))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n must be finite and >= 0.");
        }

        if (!(e > 0 && double.IsFinite(e)))
        {
            throw new ArgumentOutOfRangeException(nameof(e), e, "e must be finite and > 0.");
        }
    }

    /// <summary>log of the negative binomial probability of n with size α and probability β/(β + e).</summary>
    internal static double LogNb(double n, double e, double alpha, double beta) =>
        SpecialFunctions.GammaLn(alpha + n) - SpecialFunctions.GammaLn(alpha) - SpecialFunctions.GammaLn(n + 1)
        + (alpha * (Math.Log(beta) - Math.Log(beta + e))) + (n * (Math.Log(e) - Math.Log(beta + e)));

    /// <summary>The posterior weight of the first component, computed in log space (defined also where openEBGM's Qn
    /// underflows to 0/0).</summary>
    /// <param name="n">The observed count.</param>
    /// <param name="e">The expected count.</param>
    /// <returns>Qn in [0, 1].</returns>
    public double Qn(double n, double e)
    {
        CheckNe(n, e);
        double l1 = Math.Log(P) + LogNb(n, e, Alpha1, Beta1), l2 = Elementary.Log1P(-P) + LogNb(n, e, Alpha2, Beta2);
        return 1 / (1 + Math.Exp(l2 - l1));
    }

    /// <summary>The empirical Bayes geometric mean 2^E[log2 λ | N = n] = exp(Qn(ψ(α1 + n) − log(β1 + e)) + (1 − Qn)(ψ(α2 + n)
    /// − log(β2 + e))), = <c>openEBGM::ebgm(theta, N, E, qn, digits = 30)</c>.</summary>
    /// <param name="n">The observed count, ≥ 0.</param>
    /// <param name="e">The expected count, &gt; 0.</param>
    /// <returns>EBGM.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bad n or e.</exception>
    public double Ebgm(double n, double e)
    {
        double q = Qn(n, e);
        double m1 = SpecialFunctions.DiGamma(Alpha1 + n) - Math.Log(Beta1 + e);
        double m2 = SpecialFunctions.DiGamma(Alpha2 + n) - Math.Log(Beta2 + e);
        return Math.Exp((q * m1) + ((1 - q) * m2));
    }

    /// <summary>The posterior quantile of λ: the x with Qn·P(α1 + n, (β1 + e)x) + (1 − Qn)·P(α2 + n, (β2 + e)x) = probability
    /// (P the regularized lower incomplete gamma), solved to machine precision (= <c>openEBGM::quantBisect</c> with
    /// enough digits). EB05 = Quantile(n, e, 0.05).</summary>
    /// <param name="n">The observed count, ≥ 0.</param>
    /// <param name="e">The expected count, &gt; 0.</param>
    /// <param name="probability">In (0, 1).</param>
    /// <returns>The quantile.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bad n, e or probability.</exception>
    public double Quantile(double n, double e, double probability)
    {
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "probability must lie in (0, 1).");
        }

        double q = Qn(n, e);
        double a1 = Alpha1 + n, r1 = Beta1 + e, a2 = Alpha2 + n, r2 = Beta2 + e;
        double Cdf(double x) =>
            (q > 0 ? q * Distributions.GammaTail(a1, r1 * x, upper: false) : 0) + (q < 1 ? (1 - q) * Distributions.GammaTail(a2, r2 * x, upper: false) : 0);
        double Pdf(double x) =>
            (q > 0 ? q * r1 * Distributions.GammaDensity(a1, r1 * x) : 0) + (q < 1 ? (1 - q) * r2 * Distributions.GammaDensity(a2, r2 * x) : 0);

        // Newton on y = log x for log F (p < 1/2) or log(1 − F) (p ≥ 1/2), which are nearly linear in y in the tail
        // that holds the root (F ~ x^a near 0), from the log of the posterior mean, inside a bracket that every step
        // narrows (bisection when Newton leaves it): a few incomplete-gamma evaluations instead of ~100.
        bool lower = probability < 0.5;
        double Tail(double x) => lower ? Cdf(x)
            : (q > 0 ? q * Distributions.GammaTail(a1, r1 * x, upper: true) : 0) + (q < 1 ? (1 - q) * Distributions.GammaTail(a2, r2 * x, upper: true) : 0);
        double target = Math.Log(lower ? probability : 1 - probability);
        double y = Math.Log((q * a1 / r1) + ((1 - q) * a2 / r2));
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        for (int i = 0; i < 200; i++)
        {
            double x = Math.Exp(y);
            double t = Tail(x);
            double h = Math.Log(t) - target;                 // increasing in y for the lower tail, decreasing for the upper
            bool below = lower ? h < 0 : h > 0;              // x below the quantile
            if (below)
            {
                lo = y;
            }
            else
            {
                hi = y;
            }

            double slope = (lower ? 1 : -1) * Pdf(x) * x / t;
            double next = slope != 0 && double.IsFinite(h) && double.IsFinite(slope) ? y - Math.Clamp(h / slope, -5, 5) : double.NaN;
            if (!(next > lo && next < hi))
            {
                next = double.IsInfinity(lo) ? (double.IsInfinity(hi) ? y - 1 : hi - 2) : double.IsInfinity(hi) ? lo + 2 : (lo + hi) / 2;
            }

            if (Math.Abs(next - y) <= 4e-16 * Math.Max(1, Math.Abs(y)))
            {
                y = next;
                break;
            }

            y = next;
        }

        return Math.Exp(y);
    }
}

/// <summary>Observed and expected counts per drug-event pair.</summary>
/// <param name="Drug">The drug of each pair (ordinal order of (drug, event)).</param>
/// <param name="Event">The event of each pair.</param>
/// <param name="Observed">Distinct reports with the pair.</param>
/// <param name="Expected">Σ over strata of (drug reports × event reports / all reports) in the stratum.</param>
public sealed record PairCounts(ImmutableArray<string> Drug, ImmutableArray<string> Event, ImmutableArray<double> Observed, ImmutableArray<double> Expected)
{
    /// <summary>Reports with the pair's drug (all strata), for the 2×2 table: b = DrugReports − a.</summary>
    public ImmutableArray<double> DrugReports { get; init; } = [];

    /// <summary>Reports with the pair's event (all strata): c = EventReports − a.</summary>
    public ImmutableArray<double> EventReports { get; init; } = [];

    /// <summary>All reports: d = Reports − DrugReports − EventReports + a.</summary>
    public double Reports { get; init; }

    /// <summary>Counts from an aggregated table (drug, event, reports), e.g. a VigiBase or EudraVigilance line-listing
    /// summary: each row's count is the number of reports with that pair, and the margins are the table's sums (exact
    /// when each report contributes one drug-event pair; otherwise the margins over-count and the caller should pass
    /// report-level rows to <see cref="Disproportionality.CountPairs"/>). E = drug margin × event margin / total.</summary>
    /// <param name="drugs">The drug of each row.</param>
    /// <param name="events">The event of each row.</param>
    /// <param name="counts">Reports with the pair, whole numbers ≥ 0; repeated pairs are added.</param>
    /// <returns>The pair counts, ordinal order of (drug, event).</returns>
    /// <exception cref="ArgumentException">Lengths differ or the table is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count (index named).</exception>
    public static PairCounts FromTable(IReadOnlyList<string> drugs, IReadOnlyList<string> events, IReadOnlyList<double> counts)
    {
        ArgumentNullException.ThrowIfNull(drugs);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(counts);
        Guard.SameLength(drugs.Count, nameof(drugs), events.Count, nameof(events));
        Guard.SameLength(drugs.Count, nameof(drugs), counts.Count, nameof(counts));
        Guard.NotEmpty(drugs.Count, nameof(drugs));
        var cells = new Dictionary<(string, string), double>();
        for (int i = 0; i < drugs.Count; i++)
        {
            if (!(counts[i] >= 0 && counts[i] == Math.Floor(counts[i]) && double.IsFinite(counts[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(counts), counts[i], $"counts[{i}] is {Guard.Show(counts[i])}; counts are whole numbers >= 0.");
            }

            var key = (drugs[i] ?? throw new ArgumentNullException(nameof(drugs), $"drugs[{i}] is null."),
                events[i] ?? throw new ArgumentNullException(nameof(events), $"events[{i}] is null."));
            cells[key] = cells.GetValueOrDefault(key) + counts[i];
        }

        double total = cells.Values.Sum();
        var byDrug = cells.GroupBy(kv => kv.Key.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        var byEvent = cells.GroupBy(kv => kv.Key.Item2, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        var rows = cells.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal).ToList();
        return new PairCounts([.. rows.Select(r => r.Key.Item1)], [.. rows.Select(r => r.Key.Item2)], [.. rows.Select(r => r.Value)],
            [.. rows.Select(r => byDrug[r.Key.Item1] * byEvent[r.Key.Item2] / total)])
        {
            DrugReports = [.. rows.Select(r => byDrug[r.Key.Item1])],
            EventReports = [.. rows.Select(r => byEvent[r.Key.Item2])],
            Reports = total,
        };
    }
}

/// <content>The gamma-Poisson shrinker and the pair counts.</content>
public static partial class Disproportionality
{
    /// <summary>Fits DuMouchel's gamma-Poisson shrinker by maximum likelihood, = openEBGM's <c>autoHyper(..., squashed =
    /// FALSE)</c> with N* = 1: the mixture of two negative binomials truncated to N ≥ 1, over the pairs with N ≥ 1.
    /// Robust: a quasi-Newton search on (log α1, log β1, log α2, log β2, logit P) from several starts, keeping the best.</summary>
    /// <param name="observed">Observed counts per pair (whole numbers ≥ 0; pairs with 0 are left out of the likelihood, as
    /// openEBGM's default).</param>
    /// <param name="expected">Expected counts per pair, &gt; 0.</param>
    /// <param name="options">Starting points; null for the defaults.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or fewer than 5 pairs with N ≥ 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count (index named).</exception>
    public static GpsModel FitGps(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected, GpsOptions? options = null)
    {
        Guard.SameLength(observed.Length, nameof(observed), expected.Length, nameof(expected));
        options ??= GpsOptions.Default;
        var n = new List<double>();
        var e = new List<double>();
        for (int i = 0; i < observed.Length; i++)
        {
            if (!(observed[i] >= 0 && observed[i] == Math.Floor(observed[i]) && double.IsFinite(observed[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(observed), observed[i], $"observed[{i}] is {Guard.Show(observed[i])}; counts are whole numbers >= 0.");
            }

            if (!(expected[i] > 0 && double.IsFinite(expected[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(expected), expected[i], $"expected[{i}] is {Guard.Show(expected[i])}; expected counts must be finite and > 0.");
            }

            if (observed[i] >= 1)
            {
                n.Add(observed[i]);
                e.Add(expected[i]);
            }
        }

        if (n.Count < 5)
        {
            throw new ArgumentException($"only {n.Count} pair(s) have N >= 1; the five hyperparameters need more.", nameof(observed));
        }

        var like = new GpsLikelihood([.. n], [.. e]);
        var starts = options.Starts ?? [
            [0.2, 0.1, 2, 4, 1.0 / 3],   // openEBGM autoHyper's default theta_init rows
            [0.1, 0.1, 1, 1, 0.5],
            [0.5, 0.5, 2, 2, 0.25],
            [1, 1, 3, 3, 0.1],
            [0.2, 0.2, 5, 5, 0.2],
            [0.204, 0.058, 1.415, 1.838, 0.097],   // DuMouchel (1999)
            [2, 4, 0.2, 0.1, 0.5]];
        double best = double.NegativeInfinity;
        double[]? bestTheta = null;
        foreach (var start in starts)
        {
            if (start is null || start.Length != 5)
            {
                throw new ArgumentException("every starting point has five values (alpha1, beta1, alpha2, beta2, P).", nameof(options));
            }

            var theta = like.Maximise(start);
            double ll = like.LogLikelihood(theta);
            if (double.IsFinite(ll) && ll > best)
            {
                best = ll;
                bestTheta = theta;
            }
        }

        if (bestTheta is null)
        {
            throw new ArgumentException("the likelihood could not be evaluated from any starting point.", nameof(observed));
        }

        return GpsModel.Fitted(bestTheta, best);
    }

    /// <summary>Observed and expected counts per drug-event pair from report-level rows (one per report × drug × event),
    /// = <c>openEBGM::processRaw(data.frame(id, var1 = drug, var2 = event, strat_* = stratum))</c>: N = distinct reports
    /// with the pair; E = Σ over strata of (distinct reports with the drug × distinct reports with the event / distinct
    /// reports) within the stratum.</summary>
    /// <param name="reportIds">The report of each row.</param>
    /// <param name="drugs">The drug of each row.</param>
    /// <param name="events">The event of each row.</param>
    /// <param name="strata">The stratum of each row (e.g. "age 65+|female|2024"); null = one stratum.</param>
    /// <returns>One row per pair, ordinal order of (drug, event).</returns>
    /// <exception cref="ArgumentNullException">A null list or element (index named).</exception>
    /// <exception cref="ArgumentException">Lengths differ, or a report in two strata.</exception>
    public static PairCounts CountPairs(IReadOnlyList<string> reportIds, IReadOnlyList<string> drugs, IReadOnlyList<string> events,
        IReadOnlyList<string>? strata = null)
    {
        ArgumentNullException.ThrowIfNull(reportIds);
        ArgumentNullException.ThrowIfNull(drugs);
        ArgumentNullException.ThrowIfNull(events);
        Guard.SameLength(reportIds.Count, nameof(reportIds), drugs.Count, nameof(drugs));
        Guard.SameLength(reportIds.Count, nameof(reportIds), events.Count, nameof(events));
        if (strata is not null)
        {
            Guard.SameLength(reportIds.Count, nameof(reportIds), strata.Count, nameof(strata));
        }

        var reportStratum = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairReports = new HashSet<(string Drug, string Event, string Report)>();
        var drugReports = new HashSet<(string Stratum, string Drug, string Report)>();
        var eventReports = new HashSet<(string Stratum, string Event, string Report)>();
        for (int i = 0; i < reportIds.Count; i++)
        {
            string id = reportIds[i] ?? throw new ArgumentNullException(nameof(reportIds), $"reportIds[{i}] is null.");
            string drug = drugs[i] ?? throw new ArgumentNullException(nameof(drugs), $"drugs[{i}] is null.");
            string evt = events[i] ?? throw new ArgumentNullException(nameof(events), $"events[{i}] is null.");
            string st = strata is null ? "" : strata[i] ?? throw new ArgumentNullException(nameof(strata), $"strata[{i}] is null.");
            if (reportStratum.TryGetValue(id, out var seen) && seen != st)
            {
                throw new ArgumentException($"report '{id}' is in strata '{seen}' and '{st}' (row {i}); a report belongs to one stratum.", nameof(strata));
            }

            reportStratum[id] = st;
            pairReports.Add((drug, evt, id));
            drugReports.Add((st, drug, id));
            eventReports.Add((st, evt, id));
        }

        var reportsPerStratum = reportStratum.GroupBy(kv => kv.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        var drugCount = drugReports.GroupBy(x => (x.Stratum, x.Drug)).ToDictionary(g => g.Key, g => (double)g.Count());
        var eventCount = eventReports.GroupBy(x => (x.Stratum, x.Event)).ToDictionary(g => g.Key, g => (double)g.Count());
        var pairs = pairReports.GroupBy(x => (x.Drug, x.Event)).Select(g => (g.Key.Drug, g.Key.Event, N: (double)g.Count()))
            .OrderBy(x => x.Drug, StringComparer.Ordinal).ThenBy(x => x.Event, StringComparer.Ordinal).ToList();
        var expected = pairs.Select(pr => reportsPerStratum.Sum(s =>
            drugCount.TryGetValue((s.Key, pr.Drug), out var nd) && eventCount.TryGetValue((s.Key, pr.Event), out var ne) ? nd * ne / s.Value : 0)).ToArray();
        var drugAll = drugReports.Select(x => (x.Drug, x.Report)).Distinct().GroupBy(x => x.Drug, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        var eventAll = eventReports.Select(x => (x.Event, x.Report)).Distinct().GroupBy(x => x.Event, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        return new PairCounts([.. pairs.Select(x => x.Drug)], [.. pairs.Select(x => x.Event)], [.. pairs.Select(x => x.N)], [.. expected])
        {
            DrugReports = [.. pairs.Select(x => drugAll[x.Drug])],
            EventReports = [.. pairs.Select(x => eventAll[x.Event])],
            Reports = reportStratum.Count,
        };
    }
}

/// <summary>The truncated negative-binomial mixture likelihood, its analytic gradient and its maximisation. Terms that
/// depend on N only through lgamma(α + N) − lgamma(α) and ψ(α + N) − ψ(α) are computed once per distinct N.</summary>
internal sealed class GpsLikelihood
{
    private readonly double[] n;
    private readonly double[] e;
    private readonly double[] logE;
    private readonly double[] lgN1;
    private readonly int[] nIndex;      // index of each pair's N among the distinct values
    private readonly double[] distinctN;

    public GpsLikelihood(double[] n, double[] e)
    {
        this.n = n;
        this.e = e;
        logE = e.Select(v => Math.Log(v)).ToArray();
        distinctN = n.Distinct().Order().ToArray();
        var lookup = distinctN.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
        nIndex = n.Select(v => lookup[v]).ToArray();
        var lg = distinctN.Select(v => SpecialFunctions.GammaLn(v + 1)).ToArray();
        lgN1 = nIndex.Select(i => lg[i]).ToArray();
    }

    public double LogLikelihood(double[] th) => Evaluate(th, null);

    /// <summary>ℓ(θ) and, when <paramref name="grad"/> is given, ∂ℓ/∂θ.</summary>
    public double Evaluate(double[] th, double[]? grad)
    {
        double a1 = th[0], b1 = th[1], a2 = th[2], b2 = th[3], p = th[4];
        if (!(a1 > 0 && b1 > 0 && a2 > 0 && b2 > 0 && p > 0 && p < 1))
        {
            return double.NegativeInfinity;
        }

        int k = distinctN.Length;
        var dl1 = new double[k];
        var dl2 = new double[k];
        var dp1 = new double[k];
        var dp2 = new double[k];
        double lga1 = SpecialFunctions.GammaLn(a1), lga2 = SpecialFunctions.GammaLn(a2);
        double pa1 = grad is null ? 0 : SpecialFunctions.DiGamma(a1), pa2 = grad is null ? 0 : SpecialFunctions.DiGamma(a2);
        for (int j = 0; j < k; j++)
        {
            dl1[j] = SpecialFunctions.GammaLn(a1 + distinctN[j]) - lga1;
            dl2[j] = SpecialFunctions.GammaLn(a2 + distinctN[j]) - lga2;
            if (grad is not null)
            {
                dp1[j] = SpecialFunctions.DiGamma(a1 + distinctN[j]) - pa1;
                dp2[j] = SpecialFunctions.DiGamma(a2 + distinctN[j]) - pa2;
            }
        }

        double lb1 = Math.Log(b1), lb2 = Math.Log(b2), lp = Math.Log(p), lq = Elementary.Log1P(-p), sum = 0;
        double ga1 = 0, gb1 = 0, ga2 = 0, gb2 = 0, gp = 0;
        for (int i = 0; i < n.Length; i++)
        {
            double ni = n[i];
            int j = nIndex[i];
            double lbe1 = Math.Log(b1 + e[i]), lbe2 = Math.Log(b2 + e[i]);
            double l1 = lb1 - lbe1, l2 = lb2 - lbe2;          // log(β/(β + e))
            double f01 = Math.Exp(a1 * l1), f02 = Math.Exp(a2 * l2);   // f_k(0)
            double t1 = Math.Log(-Elementary.ExpM1(a1 * l1)), t2 = Math.Log(-Elementary.ExpM1(a2 * l2));
            double x = lp + dl1[j] - lgN1[i] + (a1 * l1) + (ni * (logE[i] - lbe1)) - t1;
            double y = lq + dl2[j] - lgN1[i] + (a2 * l2) + (ni * (logE[i] - lbe2)) - t2;
            double m = Math.Max(x, y);
            double ex = Math.Exp(x - m), ey = Math.Exp(y - m);
            sum += m + Math.Log(ex + ey);
            if (grad is not null)
            {
                double w1 = ex / (ex + ey), w2 = 1 - w1;
                double be1 = b1 + e[i], be2 = b2 + e[i];
                ga1 += w1 * (dp1[j] + (l1 / (1 - f01)));
                gb1 += w1 * ((a1 / b1) - ((a1 + ni) / be1) + (f01 * a1 * e[i] / (b1 * be1 * (1 - f01))));
                ga2 += w2 * (dp2[j] + (l2 / (1 - f02)));
                gb2 += w2 * ((a2 / b2) - ((a2 + ni) / be2) + (f02 * a2 * e[i] / (b2 * be2 * (1 - f02))));
                gp += (w1 / p) - (w2 / (1 - p));
            }
        }

        if (grad is not null)
        {
            grad[0] = ga1;
            grad[1] = gb1;
            grad[2] = ga2;
            grad[3] = gb2;
            grad[4] = gp;
        }

        return sum;
    }

    /// <summary>The search box: α and β in [1e-6, 1e4] (openEBGM's autoHyper searches a narrower box), P in
    /// [1e-6, 1 − 1e-6]. Data with little overdispersion push a component towards a point mass (α, β → ∞ with α/β
    /// fixed); the box keeps that limit finite and the posterior computable.</summary>
    private static double[] ToTheta(double[] u) =>
        [Math.Exp(Clamp(u[0])), Math.Exp(Clamp(u[1])), Math.Exp(Clamp(u[2])), Math.Exp(Clamp(u[3])), 1 / (1 + Math.Exp(-Math.Clamp(u[4], -13.8, 13.8)))];

    private static double Clamp(double v) => Math.Clamp(v, -13.8, 9.21);

    private static double[] ToU(double[] th) =>
        [Math.Log(th[0]), Math.Log(th[1]), Math.Log(th[2]), Math.Log(th[3]), Math.Log(th[4] / (1 - th[4]))];

    /// <summary>BFGS on the unconstrained scale (log α, log β, logit P) with the analytic gradient and a backtracking
    /// line search; outside the search box the parameters are clamped and the gradient there is 0.</summary>
    public double[] Maximise(double[] start)
    {
        const int dim = 5;
        double F(double[] u, double[]? g)
        {
            var th = ToTheta(u);
            var gt = g is null ? null : new double[dim];
            double v = Evaluate(th, gt);
            if (g is not null)
            {
                for (int j = 0; j < 4; j++)
                {
                    bool clamped = u[j] != Clamp(u[j]);
                    g[j] = clamped ? 0 : -gt![j] * th[j];
                }

                g[4] = Math.Abs(u[4]) > 13.8 ? 0 : -gt![4] * th[4] * (1 - th[4]);
            }

            return -v;
        }

        var u = ToU(start);
        var g0 = new double[dim];
        double fu = F(u, g0);
        if (!double.IsFinite(fu))
        {
            return start;
        }

        var hInv = new double[dim, dim];
        for (int j = 0; j < dim; j++)
        {
            hInv[j, j] = 1;
        }

        for (int iter = 0; iter < 500; iter++)
        {
            var dir = new double[dim];
            for (int j = 0; j < dim; j++)
            {
                for (int k = 0; k < dim; k++)
                {
                    dir[j] -= hInv[j, k] * g0[k];
                }
            }

            double slope = dir.Select((v, j) => v * g0[j]).Sum();
            if (slope >= 0)
            {
                hInv = new double[dim, dim];
                for (int j = 0; j < dim; j++)
                {
                    hInv[j, j] = 1;
                    dir[j] = -g0[j];
                }

                slope = -g0.Sum(v => v * v);
            }

            double step = 1, fn;
            double[] next;
            var g1 = new double[dim];
            int tries = 0;
            while (true)
            {
                next = u.Select((v, j) => v + (step * dir[j])).ToArray();
                fn = F(next, g1);
                if ((double.IsFinite(fn) && fn <= fu + (1e-4 * step * slope)) || ++tries > 60)
                {
                    break;
                }

                step /= 2;
            }

            if (!double.IsFinite(fn) || fn > fu)
            {
                break;
            }

            var s = next.Select((v, j) => v - u[j]).ToArray();
            var yv = g1.Select((v, j) => v - g0[j]).ToArray();
            double sy = s.Select((v, j) => v * yv[j]).Sum();
            double improvement = fu - fn;
            u = next;
            fu = fn;
            g0 = g1;
            if (sy > 1e-16)
            {
                var hy = new double[dim];
                for (int j = 0; j < dim; j++)
                {
                    for (int k = 0; k < dim; k++)
                    {
                        hy[j] += hInv[j, k] * yv[k];
                    }
                }

                double yhy = yv.Select((v, j) => v * hy[j]).Sum();
                for (int j = 0; j < dim; j++)
                {
                    for (int k = 0; k < dim; k++)
                    {
                        hInv[j, k] += (((sy + yhy) * s[j] * s[k]) / (sy * sy)) - (((hy[j] * s[k]) + (s[j] * hy[k])) / sy);
                    }
                }
            }

            if (g0.Max(Math.Abs) < 1e-8 * Math.Max(1, Math.Abs(fu)) || (improvement <= 1e-14 * Math.Max(1, Math.Abs(fu)) && s.Max(Math.Abs) < 1e-10))
            {
                break;
            }
        }

        return ToTheta(u);
    }
}
