using System.Collections.Immutable;
using System.Runtime.InteropServices;
using CarTRisk.Numerics;
using CarTRisk.Kernels;
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

    /// <summary>True when the fit verified its optimum: at every bound of the search box that it holds the gradient points
    /// out of the box (the KKT conditions), and on the other coordinates the Newton decrement is ≤ 1e-12·max(1, |ℓ|) with
    /// a negative definite Hessian, or (flat directions, e.g. a component whose weight P sits at its bound) no step
    /// increases ℓ and the projected gradient is ≤ 1e-8·max(1, |ℓ|). False for a model made by <see cref="From"/>.</summary>
    public bool Converged { get; init; }

    /// <summary>Newton iterations over all starts.</summary>
    public int Iterations { get; init; }

    /// <summary>max |projected gradient| of ℓ at the returned point on the fitted scale (log α1, log β1, log α2, log β2,
    /// logit P): components at a bound whose gradient points outward count 0.</summary>
    public double GradientNorm { get; init; }

    /// <summary>The bounds reached ("alpha2 at 1e4": a component tending to a point mass) or why not converged; null
    /// for an interior optimum.</summary>
    public string? ConvergenceNote { get; init; }

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

    /// <inheritdoc/>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"GPS prior: alpha1 {Alpha1:G6}, beta1 {Beta1:G6}, alpha2 {Alpha2:G6}, beta2 {Beta2:G6}, P {P:G6}; log-likelihood {LogLikelihood:G10}")
        + (double.IsNaN(LogLikelihood) ? "" : Converged ? (ConvergenceNote is null ? "" : $" ({ConvergenceNote})") : "\nWARNING: NOT CONVERGED: " + ConvergenceNote);

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
        return Posterior(n, e, Shapes(n)).Q;
    }

    /// <summary>The empirical Bayes geometric mean 2^E[log2 λ | N = n] = exp(Qn(ψ(α1 + n) − log(β1 + e)) + (1 − Qn)(ψ(α2 + n)
    /// − log(β2 + e))), = <c>openEBGM::ebgm(theta, N, E, qn, digits = 30)</c>.</summary>
    /// <param name="n">The observed count, ≥ 0.</param>
    /// <param name="e">The expected count, &gt; 0.</param>
    /// <returns>EBGM.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bad n or e.</exception>
    public double Ebgm(double n, double e)
    {
        CheckNe(n, e);
        var shapes = Shapes(n);
        return Ebgm(shapes, Posterior(n, e, shapes));
    }

    /// <summary>The posterior quantile of λ: the x with Qn·P(α1 + n, (β1 + e)x) + (1 − Qn)·P(α2 + n, (β2 + e)x) = probability
    /// (P the regularized lower incomplete gamma), = <c>openEBGM::quantBisect</c> with enough digits. EB05 =
    /// Quantile(n, e, 0.05). Newton's method on log x for log F (probability &lt; 1/2) or log(1 − F), from the
    /// Wilson-Hilferty quantile of the component with the larger posterior weight, inside a bracket that every step
    /// narrows (bisection when a step leaves it), until a step is below 1e-8 on log x, which is then taken (quadratic
    /// convergence leaves an error of order 1e-16 relative).</summary>
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

        CheckNe(n, e);
        var shapes = Shapes(n);
        return Quantile(shapes, Posterior(n, e, shapes), probability, Distributions.NormalQuantile(probability));
    }

    /// <summary>Qn, EBGM, EB05 and EB95 of many pairs at once (in parallel), each equal to <see cref="Qn"/>,
    /// <see cref="Ebgm(double, double)"/> and <see cref="Quantile(double, double, double)"/> at 0.05 and 0.95 for its pair: the terms that depend on n only
    /// (lgamma and digamma of α + n, the Stirling error of the posterior shapes) are computed once per distinct n.</summary>
    /// <param name="observed">N per pair, finite and ≥ 0.</param>
    /// <param name="expected">E per pair, finite and &gt; 0.</param>
    /// <returns>The scores, in the order of the pairs.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count (index named).</exception>
    public GpsScores Score(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected) => Score(observed, expected, eb95: true);

    /// <summary><see cref="Score(ReadOnlySpan{double}, ReadOnlySpan{double})"/>, with EB95 left out (empty) where the
    /// caller does not use it (the screen reads EBGM and EB05 only: the upper quantile would be half its scoring time).</summary>
    internal GpsScores Score(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected, bool eb95)
    {
        Guard.SameLength(observed.Length, nameof(observed), expected.Length, nameof(expected));
        int m = observed.Length;
        var nCode = new int[m];
        var distinct = new Dictionary<double, int>();
        var shapes = new List<ShapeConstants>();
        for (int i = 0; i < m; i++)
        {
            double n = observed[i], e = expected[i];
            if (!(n >= 0 && double.IsFinite(n)))
            {
                throw new ArgumentOutOfRangeException(nameof(observed), n, $"observed[{i}] is {Guard.Show(n)}; counts must be finite and >= 0.");
            }

            if (!(e > 0 && double.IsFinite(e)))
            {
                throw new ArgumentOutOfRangeException(nameof(expected), e, $"expected[{i}] is {Guard.Show(e)}; expected counts must be finite and > 0.");
            }

            if (!distinct.TryGetValue(n, out int code))
            {
                code = shapes.Count;
                distinct.Add(n, code);
                shapes.Add(Shapes(n));
            }

            nCode[i] = code;
        }

        var table = shapes.ToArray();
        var nn = observed.ToArray();
        var ee = expected.ToArray();
        var q = new double[m];
        var ebgm = new double[m];
        var eb05 = new double[m];
        var upper = eb95 ? new double[m] : [];
        double z05 = Distributions.NormalQuantile(0.05), z95 = Distributions.NormalQuantile(0.95);
        var starts = StartTables(table, nCode, ee, z05, z95);
        const int chunk = 4096;
        Parallel.For(0, (m + chunk - 1) / chunk, c =>
        {
            for (int i = c * chunk, end = Math.Min(m, (c + 1) * chunk); i < end; i++)
            {
                var sh = table[nCode[i]];
                var post = Posterior(nn[i], ee[i], sh);
                q[i] = post.Q;
                ebgm[i] = Ebgm(sh, post);
                var start = starts[nCode[i]];
                eb05[i] = Quantile(sh, post, 0.05, z05, start?.At(ee[i], 0) ?? double.NaN);
                if (eb95)
                {
                    upper[i] = Quantile(sh, post, 0.95, z95, start?.At(ee[i], 1) ?? double.NaN);
                }
            }
        });

        return new GpsScores(ImmutableCollectionsMarshal.AsImmutableArray(q), ImmutableCollectionsMarshal.AsImmutableArray(ebgm),
            ImmutableCollectionsMarshal.AsImmutableArray(eb05), ImmutableCollectionsMarshal.AsImmutableArray(upper));
    }

    /// <summary>Starting points for the quantiles of one n: log EB05 and log EB95 solved exactly on a uniform grid of
    /// log e over the pairs' range, interpolated by cubic Lagrange polynomials (four nearest grid points). For fixed n
    /// the quantiles are smooth functions of e alone (Qn and both posterior rates are), so the interpolated start is
    /// within ~1e-6 and one Halley step from it meets the quantile's stopping rule: one evaluation of the tails instead of
    /// about three. Only a start: the result is the same root to the solver's accuracy (the tests compare with bisection).</summary>
    private sealed class StartTable(double lo, double step, double[] logX05, double[] logX95)
    {
        public double At(double e, int which)
        {
            var v = which == 0 ? logX05 : logX95;
            if (v.Length < 4)
            {
                return v[0];
            }

            double t = (Math.Log(e) - lo) / step;
            int k = Math.Clamp((int)Math.Floor(t), 1, v.Length - 3);
            double u = t - k;   // nodes k − 1, k, k + 1, k + 2 at u = −1, 0, 1, 2
            double w0 = -u * (u - 1) * (u - 2) / 6, w1 = (u + 1) * (u - 1) * (u - 2) / 2, w2 = -(u + 1) * u * (u - 2) / 2, w3 = (u + 1) * u * (u - 1) / 6;
            return (w0 * v[k - 1]) + (w1 * v[k]) + (w2 * v[k + 1]) + (w3 * v[k + 2]);
        }
    }

    /// <summary>A start table for each n with at least 64 pairs (the others start from Wilson-Hilferty).</summary>
    private StartTable?[] StartTables(ShapeConstants[] shapes, int[] nCode, double[] e, double z05, double z95)
    {
        int k = shapes.Length;
        var count = new int[k];
        var lo = new double[k];
        var hi = new double[k];
        Array.Fill(lo, double.PositiveInfinity);
        Array.Fill(hi, double.NegativeInfinity);
        for (int i = 0; i < nCode.Length; i++)
        {
            int c = nCode[i];
            count[c]++;
            lo[c] = Math.Min(lo[c], e[i]);
            hi[c] = Math.Max(hi[c], e[i]);
        }

        var tables = new StartTable?[k];
        Parallel.For(0, k, c =>
        {
            if (count[c] < 64)
            {
                return;
            }

            double a = Math.Log(lo[c]), b = Math.Log(hi[c]);
            int points = b > a ? Math.Clamp(count[c] / 16, 4, 256) : 1;
            double step = points > 1 ? (b - a) / (points - 1) : 1;
            var x05 = new double[points];
            var x95 = new double[points];
            for (int g = 0; g < points; g++)
            {
                double eg = Math.Exp(a + (g * step));
                var post = Posterior(shapes[c].N, eg, shapes[c]);
                x05[g] = Math.Log(Quantile(shapes[c], post, 0.05, z05));
                x95[g] = Math.Log(Quantile(shapes[c], post, 0.95, z95));
            }

            tables[c] = new StartTable(a, step, x05, x95);
        });

        return tables;
    }

    /// <summary>What depends on n only: the posterior shapes ak = αk + n, lgamma(ak) − lgamma(αk), ψ(ak) and the
    /// Stirling error of ak.</summary>
    private readonly record struct ShapeConstants(double N, double A1, double A2, double LogGammaRatio1, double LogGammaRatio2,
        double Digamma1, double Digamma2, double Stirling1, double Stirling2);

    /// <summary>The posterior weight Qn of the first component and the posterior rates rk = βk + e.</summary>
    private readonly record struct PosteriorWeights(double Q, double R1, double R2, double LogR1, double LogR2);

    private ShapeConstants Shapes(double n)
    {
        double a1 = Alpha1 + n, a2 = Alpha2 + n;
        return new ShapeConstants(n, a1, a2, SpecialFunctions.GammaLn(a1) - SpecialFunctions.GammaLn(Alpha1),
            SpecialFunctions.GammaLn(a2) - SpecialFunctions.GammaLn(Alpha2), SpecialFunctions.DiGamma(a1), SpecialFunctions.DiGamma(a2),
            Distributions.StirlingError(a1), Distributions.StirlingError(a2));
    }

    /// <summary>Qn from the two components' negative-binomial log probabilities (log n! cancels).</summary>
    private PosteriorWeights Posterior(double n, double e, in ShapeConstants s)
    {
        double r1 = Beta1 + e, r2 = Beta2 + e, lr1 = Math.Log(r1), lr2 = Math.Log(r2), le = Math.Log(e);
        double l1 = Math.Log(P) + s.LogGammaRatio1 + (Alpha1 * (Math.Log(Beta1) - lr1)) + (n * (le - lr1));
        double l2 = Elementary.Log1P(-P) + s.LogGammaRatio2 + (Alpha2 * (Math.Log(Beta2) - lr2)) + (n * (le - lr2));
        return new PosteriorWeights(1 / (1 + Math.Exp(l2 - l1)), r1, r2, lr1, lr2);
    }

    private static double Ebgm(in ShapeConstants s, in PosteriorWeights w) =>
        Math.Exp((w.Q * (s.Digamma1 - w.LogR1)) + ((1 - w.Q) * (s.Digamma2 - w.LogR2)));

    /// <summary>The mixture's quantile (see <see cref="Quantile(double, double, double)"/>); zp = Φ⁻¹(probability).</summary>
    private static double Quantile(in ShapeConstants s, in PosteriorWeights w, double probability, double zp, double startLogX = double.NaN)
    {
        double q = w.Q, a1 = s.A1, r1 = w.R1, a2 = s.A2, r2 = w.R2, st1 = s.Stirling1, st2 = s.Stirling2;
        bool lower = probability < 0.5;

        // a component whose posterior weight is below 1e-17 of the tail probability sought moves the tail by less than
        // that near the root: it is left out
        double negligible = 1e-17 * Math.Min(probability, 1 - probability);
        bool first = q > negligible, second = 1 - q > negligible;

        // the tail of the mixture at x, x·f(x) (f its density) and x²·f'(x): with z = r x and g the gamma density,
        // x r g(z) is the component's x·f and x r g(z)(a − 1 − z) its x²·f'
        double Tail(double x, out double xf, out double xxf1)
        {
            double t = 0;
            xf = 0;
            xxf1 = 0;
            if (first)
            {
                double z = r1 * x;
                t += q * Distributions.GammaTail(a1, st1, z, !lower, out double d1);
                double c = q * z * d1;
                xf += c;
                xxf1 += c * (a1 - 1 - z);
            }

            if (second)
            {
                double z = r2 * x;
                t += (1 - q) * Distributions.GammaTail(a2, st2, z, !lower, out double d2);
                double c = (1 - q) * z * d2;
                xf += c;
                xxf1 += c * (a2 - 1 - z);
            }

            return t;
        }

        // Wilson-Hilferty: a(1 − 1/(9a) + zp/(3√a))³; for a small shape's lower tail P(a, z) ≈ z^a/Γ(a + 1)
        static double Start(double a, double zp, double probability)
        {
            double c = 1 / (9 * a), b = 1 - c + (zp * Math.Sqrt(c));
            return b > 0.1 ? a * b * b * b : Math.Exp((Math.Log(probability) + SpecialFunctions.GammaLn(a + 1)) / a);
        }

        double target = Math.Log(lower ? probability : 1 - probability);
        double y = double.IsFinite(startLogX) ? startLogX
            : q >= 0.5 ? Math.Log(Start(a1, zp, probability) / r1) : Math.Log(Start(a2, zp, probability) / r2);
        if (!double.IsFinite(y))
        {
            y = Math.Log((q * a1 / r1) + ((1 - q) * a2 / r2));
        }

        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        for (int i = 0; i < 200; i++)
        {
            double x = Math.Exp(y);
            double t = Tail(x, out double xf, out double xxf1);
            double h = Math.Log(t) - target;                 // increasing in y for the lower tail, decreasing for the upper
            if (h == 0)
            {
                break;
            }

            bool below = lower ? h < 0 : h > 0;              // x below the quantile
            if (below)
            {
                lo = y;
            }
            else
            {
                hi = y;
            }

            // Halley's step on H(y) = log tail(e^y): H' = ±x f/T, H'' = ±(x f + x² f')/T − H'²
            double d1 = (lower ? 1 : -1) * xf / t;
            double d2 = ((lower ? 1 : -1) * (xf + xxf1) / t) - (d1 * d1);
            double newton = h / d1;
            double halley = h / (d1 - (0.5 * newton * d2));
            double step = double.IsFinite(halley) && Math.Abs(halley) <= 2 * Math.Abs(newton) ? halley : newton;
            step = double.IsFinite(step) ? Math.Clamp(step, -5, 5) : double.NaN;
            double next = y - step;
            if (!(next > lo && next < hi))
            {
                next = double.IsInfinity(lo) ? (double.IsInfinity(hi) ? y - 1 : hi - 2) : double.IsInfinity(hi) ? lo + 2 : (lo + hi) / 2;
            }
            else if (Math.Abs(step) <= 1e-5)
            {
                // Halley's error after this step is of the order of step³
                y = next;
                break;
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

/// <summary>Posterior summaries of the GPS model for many pairs, from <see cref="GpsModel.Score(ReadOnlySpan{double}, ReadOnlySpan{double})"/>.</summary>
/// <param name="Qn">The posterior weight of the first component.</param>
/// <param name="Ebgm">The empirical Bayes geometric mean.</param>
/// <param name="Eb05">The posterior 5% quantile of λ.</param>
/// <param name="Eb95">The posterior 95% quantile of λ.</param>
public sealed record GpsScores(ImmutableArray<double> Qn, ImmutableArray<double> Ebgm, ImmutableArray<double> Eb05, ImmutableArray<double> Eb95);

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
        // integer codes of the names (first appearance), their ordinal ranks, and the cells sorted by (drug rank, event
        // rank): equal cells merge in that order, which is the output's
        int rowsIn = drugs.Count;
        var drugCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var eventCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var rowDrug = new int[rowsIn];
        var rowEvent = new int[rowsIn];
        var value = new double[rowsIn];
        for (int i = 0; i < rowsIn; i++)
        {
            if (!(counts[i] >= 0 && counts[i] == Math.Floor(counts[i]) && double.IsFinite(counts[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(counts), counts[i], $"counts[{i}] is {Guard.Show(counts[i])}; counts are whole numbers >= 0.");
            }

            rowDrug[i] = NameCodes.Code(drugCode, drugs[i] ?? throw new ArgumentNullException(nameof(drugs), $"drugs[{i}] is null."));
            rowEvent[i] = NameCodes.Code(eventCode, events[i] ?? throw new ArgumentNullException(nameof(events), $"events[{i}] is null."));
            value[i] = counts[i];
        }

        var (drugNames, drugRank) = NameCodes.Ranked(drugCode);
        var (eventNames, eventRank) = NameCodes.Ranked(eventCode);
        int nDrugs = drugNames.Length, nEvents = eventNames.Length;
        var keys = new long[rowsIn];
        for (int i = 0; i < rowsIn; i++)
        {
            keys[i] = ((long)drugRank[rowDrug[i]] * nEvents) + eventRank[rowEvent[i]];
        }

        Array.Sort(keys, value);
        var byDrug = new double[nDrugs];    // by rank
        var byEvent = new double[nEvents];
        var cellKey = new List<long>();
        var cellValue = new List<double>();
        double total = 0;
        for (int i = 0; i < rowsIn;)
        {
            long key = keys[i];
            double sum = 0;
            for (; i < rowsIn && keys[i] == key; i++)
            {
                sum += value[i];
            }

            byDrug[key / nEvents] += sum;
            byEvent[key % nEvents] += sum;
            total += sum;
            if (sum > 0)
            {
                cellKey.Add(key);
                cellValue.Add(sum);
            }
        }

        var byRankDrug = NameCodes.ByRank(drugNames, drugRank);
        var byRankEvent = NameCodes.ByRank(eventNames, eventRank);

        int m = cellKey.Count;
        var outDrug = new string[m];
        var outEvent = new string[m];
        var expected = new double[m];
        var drugReports = new double[m];
        var eventReports = new double[m];
        for (int k = 0; k < m; k++)
        {
            int d = (int)(cellKey[k] / nEvents), e = (int)(cellKey[k] % nEvents);
            outDrug[k] = byRankDrug[d];
            outEvent[k] = byRankEvent[e];
            drugReports[k] = byDrug[d];
            eventReports[k] = byEvent[e];
            expected[k] = byDrug[d] * byEvent[e] / total;
        }

        return new PairCounts(ImmutableCollectionsMarshal.AsImmutableArray(outDrug), ImmutableCollectionsMarshal.AsImmutableArray(outEvent),
            [.. cellValue], ImmutableCollectionsMarshal.AsImmutableArray(expected))
        {
            DrugReports = ImmutableCollectionsMarshal.AsImmutableArray(drugReports),
            EventReports = ImmutableCollectionsMarshal.AsImmutableArray(eventReports),
            Reports = total,
        };
    }
}

/// <summary>Integer codes for names (in order of first appearance) and the codes' ranks in ordinal order of the names.</summary>
internal static class NameCodes
{
    /// <summary><see cref="Code(Dictionary{string, int}, string)"/> through a small direct-mapped cache keyed by the
    /// string instance (readers such as FaersExtract hand out one instance per distinct name, so most rows skip hashing
    /// the characters); the dictionary stays the authority, the cache only remembers instances it has seen.</summary>
    public static int Code(Dictionary<string, int> codes, string value, object?[] cacheRefs, int[] cacheCodes)
    {
        int slot = System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(value) & (cacheRefs.Length - 1);
        if (ReferenceEquals(cacheRefs[slot], value))
        {
            return cacheCodes[slot];
        }

        int code = Code(codes, value);
        cacheRefs[slot] = value;
        cacheCodes[slot] = code;
        return code;
    }

    /// <summary>The code of <paramref name="value"/>, a new one (the count so far) at its first appearance.</summary>
    public static int Code(Dictionary<string, int> codes, string value)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(codes, value, out bool exists);
        if (!exists)
        {
            slot = codes.Count - 1;
        }

        return slot;
    }

    /// <summary>The names in rank order (position = rank).</summary>
    public static string[] ByRank(string[] names, int[] rank)
    {
        var byRank = new string[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            byRank[rank[c]] = names[c];
        }

        return byRank;
    }

    /// <summary>Each code's name, and its rank in ordinal order of the names.</summary>
    public static (string[] Names, int[] Rank) Ranked(Dictionary<string, int> codes)
    {
        var names = new string[codes.Count];
        foreach (var (name, code) in codes)
        {
            names[code] = name;
        }

        var order = Enumerable.Range(0, names.Length).ToArray();
        Array.Sort(order, (x, y) => string.CompareOrdinal(names[x], names[y]));
        var rank = new int[names.Length];
        for (int k = 0; k < order.Length; k++)
        {
            rank[order[k]] = k;
        }

        return (names, rank);
    }
}

/// <content>The gamma-Poisson shrinker and the pair counts.</content>
public static partial class Disproportionality
{
    private static readonly double[] RatioQuantiles = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

    private static readonly double[] PairWeights = [0.05, 0.5, 0.95];

    private static readonly double[] PointMassScales = [30, 1000];

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

        // the search for basins (the screen of starts and phase 1) runs on a stratified subsample of at most 20,000
        // pairs (every k-th pair in (N, E) order); phase 2 climbs on all pairs from the basins it found
        var screen = like;
        if (n.Count > 20_000)
        {
            int k = (n.Count + 19_999) / 20_000;
            var order = Enumerable.Range(0, n.Count).OrderBy(i => n[i]).ThenBy(i => e[i]).Where((_, j) => j % k == 0).ToArray();
            screen = new GpsLikelihood([.. order.Select(i => n[i])], [.. order.Select(i => e[i])]);
        }
        var starts = options.Starts ?? [
            [0.2, 0.1, 2, 4, 1.0 / 3],   // openEBGM autoHyper's default theta_init rows
            [0.1, 0.1, 1, 1, 0.5],
            [0.5, 0.5, 2, 2, 0.25],
            [1, 1, 3, 3, 0.1],
            [0.2, 0.2, 5, 5, 0.2],
            [0.204, 0.058, 1.415, 1.838, 0.097],   // DuMouchel (1999)
            [2, 4, 0.2, 0.1, 0.5]];
        // several starts (the mixture likelihood is multimodal), each a bounded Newton ascent; the highest wins, and
        // it is reported converged only if its own ascent verified the optimum (KKT at any bound it reached)
        double r = n.Sum() / e.Sum();
        var all = new List<double[]>(starts);
        foreach (var extra in new double[][]
        {
            [0.5, 0.5 / r, 5, 5 / r, 0.5], [0.1, 0.1 / r, 10, 10 / r, 0.1], [2, 2 / r, 0.3, 0.3 / r, 0.7],
        })
        {
            all.Add(extra);
        }

        // starts at the data's own scales: point masses (α = 1000λ, β = 1000) at quantiles λ of the ratios N/E, in pairs,
        // beside a log-series component (α → 0) or beside a broad gamma; the likelihood's modes often sit there
        var ratios = n.Select((v, i) => v / e[i]).Order().ToArray();
        var qs = RatioQuantiles.Select(q => ratios[(int)Math.Min(ratios.Length - 1, Math.Floor(q * ratios.Length))])
            .Where(v => v > 0 && double.IsFinite(v)).Distinct().ToArray();
        for (int i = 0; i < qs.Length; i++)
        {
            foreach (double c in PointMassScales)
            {
                for (int j = i + 1; j < qs.Length; j++)
                {
                    foreach (double pr in PairWeights)
                    {
                        all.Add([c * qs[i], c, c * qs[j], c, pr]);
                    }
                }

                foreach (double pr in PairWeights)
                {
                    all.Add([1e-5, 0.01 / r, c * qs[i], c, pr]);
                    all.Add([1e-5, 1 / r, c * qs[i], c, pr]);
                }
            }

            all.Add([0.3, 0.3 / r, 1000 * qs[i], 1000, 0.5]);
        }

        // and the best points of a quasi-random (Halton) cover of the box on the fitted scale
        var cover = new List<(double L, double[] Theta)>();
        for (int k = 1; k <= 256; k++)
        {
            double[] uu = new double[5];
            int[] primes = [2, 3, 5, 7, 11];
            for (int j = 0; j < 5; j++)
            {
                double x = 0, f = 1;
                for (int i = k; i > 0; i /= primes[j])
                {
                    f /= primes[j];
                    x += f * (i % primes[j]);
                }

                uu[j] = GpsLikelihood.Lower[j] + (x * (GpsLikelihood.Upper[j] - GpsLikelihood.Lower[j]));
            }

            double[] th = [Math.Exp(uu[0]), Math.Exp(uu[1]), Math.Exp(uu[2]), Math.Exp(uu[3]), 1 / (1 + Math.Exp(-uu[4]))];
            double l = screen.LogLikelihood(th);
            if (double.IsFinite(l))
            {
                cover.Add((l, th));
            }
        }

        all.AddRange(cover.OrderByDescending(c => c.L).Take(6).Select(c => c.Theta));

        // phase 1: a few Newton iterations from every start; phase 2: the eight best (in distinct basins) run to convergence
        // the given starts always run; of the generated ones, the 30 with the highest likelihood where they start
        var screened = Enumerable.Range(starts.Count, all.Count - starts.Count)
            .Select(s => (s, L: all[s].All(v => double.IsFinite(v) && v > 0) && all[s][4] < 1 ? screen.LogLikelihood(all[s]) : double.NegativeInfinity))
            .Where(x => double.IsFinite(x.L)).OrderByDescending(x => x.L).Take(30).Select(x => x.s).ToHashSet();
        var phase1 = new List<GpsLikelihood.Ascent>();
        int iterations = 0;
        for (int s = 0; s < all.Count; s++)
        {
            var start = all[s];
            if (start is null || start.Length != 5)
            {
                throw new ArgumentException("every starting point has five values (alpha1, beta1, alpha2, beta2, P).", nameof(options));
            }

            if (s < starts.Count && !(start.Take(4).All(v => v > 0 && double.IsFinite(v)) && start[4] > 0 && start[4] < 1))
            {
                throw new ArgumentException($"starting point {s} must have alpha and beta > 0 and P in (0, 1).", nameof(options));
            }

            if (!start.All(v => double.IsFinite(v) && v > 0) || !(start[4] < 1))
            {
                continue;
            }

            if (s >= starts.Count && !screened.Contains(s))
            {
                continue;
            }

            var fit = screen.Maximise(start, 6);
            iterations += fit.Iterations;
            if (double.IsFinite(fit.LogLikelihood))
            {
                phase1.Add(fit);
            }
        }

        GpsLikelihood.Ascent? best = null;
        var chosen = new List<GpsLikelihood.Ascent>();
        foreach (var a in phase1.OrderByDescending(a => a.LogLikelihood))
        {
            // one candidate per basin: skip points within 0.05 (on the fitted scale) of one already chosen
            if (chosen.Count < 8 && !chosen.Any(c => GpsLikelihood.Distance(c.Theta, a.Theta) < 0.05))
            {
                chosen.Add(a);
            }
        }

        if (!ReferenceEquals(screen, like))
        {
            // on large data the basins are first climbed to the top on the subsample; the two best distinct tops go on
            var tops = chosen.Select(c => screen.Maximise(c.Theta)).Where(a => double.IsFinite(a.LogLikelihood))
                .OrderByDescending(a => a.LogLikelihood).ToList();
            iterations += tops.Sum(a => a.Iterations);
            chosen = [];
            foreach (var a in tops)
            {
                if (chosen.Count < 2 && !chosen.Any(c => GpsLikelihood.Distance(c.Theta, a.Theta) < 0.05))
                {
                    chosen.Add(a);
                }
            }
        }

        foreach (var candidate in chosen)
        {
            var fit = candidate.Converged && ReferenceEquals(screen, like) ? candidate : like.Maximise(candidate.Theta);
            iterations += ReferenceEquals(fit, candidate) ? 0 : fit.Iterations;
            if (double.IsFinite(fit.LogLikelihood) && (best is null || fit.LogLikelihood > best.LogLikelihood
                || (fit.LogLikelihood >= best.LogLikelihood - (1e-12 * Math.Abs(best.LogLikelihood)) && fit.Converged && !best.Converged)))
            {
                best = fit;
            }
        }

        if (best is null)
        {
            throw new ArgumentException("the likelihood could not be evaluated from any starting point.", nameof(observed));
        }

        return GpsModel.Fitted(best.Theta, best.LogLikelihood) with
        {
            Converged = best.Converged,
            Iterations = iterations,
            GradientNorm = best.GradientNorm,
            ConvergenceNote = best.Note,
        };
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

        // Everything on integer codes (first appearance): rows grouped by report with a counting sort, and within a report
        // its distinct drugs, events and pairs, each emitted as one long key (pairs in rank space, so their sorted order
        // is the output's); the keys counted by a radix sort and runs; expected counts by a merge of each pair's drug and
        // event strata (summed in stratum order, as the margins are).
        int n = reportIds.Count;
        var reportCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var drugCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var eventCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var stratumCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var reportStratum = new List<int>();
        var rowReport = new int[n];
        var rowDrug = new int[n];
        var rowEvent = new int[n];
        var stratumNames = new List<string>();
        object?[] drugCache = new object?[4096], eventCache = new object?[4096];
        int[] drugCacheCodes = new int[4096], eventCacheCodes = new int[4096];
        string? lastStratum = null;
        int lastStratumCode = -1;
        for (int i = 0; i < n; i++)
        {
            string id = reportIds[i] ?? throw new ArgumentNullException(nameof(reportIds), $"reportIds[{i}] is null.");
            string drug = drugs[i] ?? throw new ArgumentNullException(nameof(drugs), $"drugs[{i}] is null.");
            string evt = events[i] ?? throw new ArgumentNullException(nameof(events), $"events[{i}] is null.");
            string st = strata is null ? "" : strata[i] ?? throw new ArgumentNullException(nameof(strata), $"strata[{i}] is null.");
            // consecutive rows of a report usually share the id and stratum instances: no hash lookup for those
            int r = i > 0 && ReferenceEquals(id, reportIds[i - 1]) ? rowReport[i - 1] : NameCodes.Code(reportCode, id);
            int sc = i > 0 && r == rowReport[i - 1] && ReferenceEquals(st, lastStratum) ? lastStratumCode : NameCodes.Code(stratumCode, st);
            (lastStratum, lastStratumCode) = (st, sc);
            if (sc == stratumNames.Count)
            {
                stratumNames.Add(st);
            }

            if (r == reportStratum.Count)
            {
                reportStratum.Add(sc);
            }
            else if (reportStratum[r] != sc)
            {
                throw new ArgumentException($"report '{id}' is in strata '{stratumNames[reportStratum[r]]}' and '{st}' (row {i}); a report belongs to one stratum.", nameof(strata));
            }

            rowReport[i] = r;
            rowDrug[i] = NameCodes.Code(drugCode, drug, drugCache, drugCacheCodes);
            rowEvent[i] = NameCodes.Code(eventCode, evt, eventCache, eventCacheCodes);
        }

        int reports = reportCode.Count, nDrugs = drugCode.Count, nEvents = eventCode.Count, nStrata = stratumCode.Count;
        var start = Kernels.Grouping.Starts(rowReport, reports);
        var byReport = Kernels.Grouping.Scatter(rowReport, start);

        // the ordinal ranks of the names first, so the pair keys are in output order: key = drug rank × events + event rank
        var (drugNames, drugRank) = NameCodes.Ranked(drugCode);
        var (eventNames, eventRank) = NameCodes.Ranked(eventCode);
        var byRankDrug = NameCodes.ByRank(drugNames, drugRank);
        var byRankEvent = NameCodes.ByRank(eventNames, eventRank);

        // one key per report and distinct drug, event and pair; counted by sorting (radix) and runs, not hash maps
        var drugAll = new int[nDrugs];      // by rank
        var eventAll = new int[nEvents];
        var perStratum = new int[nStrata];
        var pairKeys = new List<long>(n);
        var drugStratumKeys = new List<long>(n);
        var eventStratumKeys = new List<long>(n);
        var ds = new List<int>();
        var es = new List<int>();
        var ps = new List<long>();
        static void Distinct<T>(List<T> list)
            where T : IComparable<T>
        {
            list.Sort();
            int w = 0;
            for (int k = 0; k < list.Count; k++)
            {
                if (k == 0 || list[k].CompareTo(list[w - 1]) != 0)
                {
                    list[w++] = list[k];
                }
            }

            list.RemoveRange(w, list.Count - w);
        }

        for (int r = 0; r < reports; r++)
        {
            ds.Clear();
            es.Clear();
            ps.Clear();
            for (int k = start[r]; k < start[r + 1]; k++)
            {
                int i = byReport[k];
                int dr = drugRank[rowDrug[i]], er = eventRank[rowEvent[i]];
                ds.Add(dr);
                es.Add(er);
                ps.Add(((long)dr * nEvents) + er);
            }

            Distinct(ds);
            Distinct(es);
            Distinct(ps);
            int st = reportStratum[r];
            perStratum[st]++;
            foreach (int d in ds)
            {
                drugAll[d]++;
                drugStratumKeys.Add(((long)d * nStrata) + st);
            }

            foreach (int e in es)
            {
                eventAll[e]++;
                eventStratumKeys.Add(((long)e * nStrata) + st);
            }

            pairKeys.AddRange(ps);
        }

        // sorted keys with their multiplicities
        static (long[] Key, int[] Count) Runs(List<long> keys)
        {
            var sorted = CollectionsMarshal.AsSpan(keys);
            Kernels.RadixOrder.Sort(sorted);
            int distinct = 0;
            for (int i = 0; i < sorted.Length; i++)
            {
                distinct += i == 0 || sorted[i] != sorted[i - 1] ? 1 : 0;
            }

            var key = new long[distinct];
            var count = new int[distinct];
            for (int i = 0, w = -1; i < sorted.Length; i++)
            {
                if (i == 0 || sorted[i] != sorted[i - 1])
                {
                    key[++w] = sorted[i];
                }

                count[w]++;
            }

            return (key, count);
        }

        // each drug's and event's (stratum, count) lists in stratum order
        static (int[] Start, int[] Stratum, int[] Count) Lists((long[] Key, int[] Count) runs, int items, int strata)
        {
            var first = new int[items + 1];
            var stratum = new int[runs.Key.Length];
            for (int k = 0; k < runs.Key.Length; k++)
            {
                first[(int)(runs.Key[k] / strata) + 1]++;
                stratum[k] = (int)(runs.Key[k] % strata);
            }

            for (int j = 0; j < items; j++)
            {
                first[j + 1] += first[j];
            }

            return (first, stratum, runs.Count);
        }

        var dl = Lists(Runs(drugStratumKeys), nDrugs, nStrata);
        var el = Lists(Runs(eventStratumKeys), nEvents, nStrata);
        var (pairKey, pairCount) = Runs(pairKeys);
        int m = pairKey.Length;
        var outDrug = new string[m];
        var outEvent = new string[m];
        var observed = new double[m];
        var expected = new double[m];
        var drugReports = new double[m];
        var eventReports = new double[m];
        for (int k = 0; k < m; k++)
        {
            int d = (int)(pairKey[k] / nEvents), e = (int)(pairKey[k] % nEvents);
            outDrug[k] = byRankDrug[d];
            outEvent[k] = byRankEvent[e];
            observed[k] = pairCount[k];
            drugReports[k] = drugAll[d];
            eventReports[k] = eventAll[e];
            double sum = 0;
            int a = dl.Start[d], aEnd = dl.Start[d + 1], b = el.Start[e], bEnd = el.Start[e + 1];
            while (a < aEnd && b < bEnd)
            {
                if (dl.Stratum[a] < el.Stratum[b])
                {
                    a++;
                }
                else if (dl.Stratum[a] > el.Stratum[b])
                {
                    b++;
                }
                else
                {
                    sum += (double)dl.Count[a] * el.Count[b] / perStratum[dl.Stratum[a]];
                    a++;
                    b++;
                }
            }

            expected[k] = sum;
        }

        return new PairCounts(ImmutableCollectionsMarshal.AsImmutableArray(outDrug), ImmutableCollectionsMarshal.AsImmutableArray(outEvent),
            ImmutableCollectionsMarshal.AsImmutableArray(observed), ImmutableCollectionsMarshal.AsImmutableArray(expected))
        {
            DrugReports = ImmutableCollectionsMarshal.AsImmutableArray(drugReports),
            EventReports = ImmutableCollectionsMarshal.AsImmutableArray(eventReports),
            Reports = reports,
        };
    }
}

/// <summary>The truncated negative-binomial mixture likelihood, its analytic gradient and Hessian, and its maximisation.
/// The pairs are sorted by (N, E) and equal pairs merged (<see cref="GpsPairs"/>); the sums run in
/// <see cref="GpsKernel"/> (vectorised where the hardware allows), over fixed chunks of rows added in order.</summary>
internal sealed class GpsLikelihood
{
    private readonly GpsPairs pairs;

    public GpsLikelihood(double[] n, double[] e)
    {
        pairs = new GpsPairs(n, e);
    }

    /// <summary>Whether the kernel may use its vector path (the tests compare both).</summary>
    internal bool Vector { get; init; } = true;

    /// <summary>The rows after merging equal (N, E).</summary>
    internal int Rows => pairs.N.Length;

    public double LogLikelihood(double[] th) => Evaluate(th, null);

    /// <summary>ℓ(θ) and, when <paramref name="grad"/> is given, ∂ℓ/∂θ.</summary>
    public double Evaluate(double[] th, double[]? grad)
    {
        if (!Valid(th))
        {
            return double.NegativeInfinity;
        }

        var tot = Sums(th, grad is null ? GpsKernel.Value : GpsKernel.Gradient);
        if (grad is not null)
        {
            for (int j = 0; j < 4; j++)
            {
                grad[j] = tot[1 + j] / th[j];
            }

            grad[4] = tot[5] / (th[4] * (1 - th[4]));
        }

        return tot[0];
    }

    private static bool Valid(double[] th) => th[0] > 0 && th[1] > 0 && th[2] > 0 && th[3] > 0 && th[4] > 0 && th[4] < 1;

    /// <summary>The kernel's sums at θ in the given mode.</summary>
    private double[] Sums(double[] th, int mode)
    {
        double a1 = th[0], a2 = th[2];
        var (d1, p1, t1) = PerDistinctN(a1, mode >= GpsKernel.Gradient, mode == GpsKernel.Hessian);
        var (d2, p2, t2) = PerDistinctN(a2, mode >= GpsKernel.Gradient, mode == GpsKernel.Hessian);
        var pt = new GpsPoint(a1, th[1], a2, th[3], th[4], d1, d2, p1, p2, t1, t2);
        return ChunkedSums(GpsKernel.Width, (first, end, sums) => GpsKernel.Accumulate(pairs, pt, first, end, mode, sums, Vector));
    }

    /// <summary>Per distinct N: lgamma(α + N) − lgamma(α), and when asked ψ(α + N) − ψ(α) and ψ1(α + N) − ψ1(α). N are
    /// whole numbers: from one distinct N to the next within 32, by the recurrences Γ(x + 1) = xΓ(x), ψ(x + 1) = ψ(x) +
    /// 1/x, ψ1(x + 1) = ψ1(x) − 1/x² (exact sums of a few terms, and free of the cancellation of lgamma(α + N) − lgamma(α)
    /// at large α); across a larger gap from the functions themselves (the cost grows with the distinct N, not the largest).</summary>
    private (double[] Log, double[]? Di, double[]? Tri) PerDistinctN(double alpha, bool digamma, bool trigamma)
    {
        var distinctN = pairs.DistinctN;
        int k = distinctN.Length;
        var log = new double[k];
        var di = digamma ? new double[k] : null;
        var tri = trigamma ? new double[k] : null;
        double lga = double.NaN, pa = double.NaN, ta = double.NaN;
        double accLog = 0, accDi = 0, accTri = 0, previous = 0;
        for (int j = 0; j < k; j++)
        {
            double nj = distinctN[j];
            if (nj - previous <= 32)
            {
                double product = 1;
                for (double x = previous; x < nj; x++)
                {
                    double ax = alpha + x;
                    product *= ax;
                    accDi += 1 / ax;
                    accTri -= 1 / (ax * ax);
                }

                accLog += Math.Log(product);
            }
            else
            {
                if (double.IsNaN(lga))
                {
                    lga = SpecialFunctions.GammaLn(alpha);
                    pa = SpecialFunctions.DiGamma(alpha);
                    ta = Distributions.Trigamma(alpha);
                }

                accLog = SpecialFunctions.GammaLn(alpha + nj) - lga;
                accDi = digamma ? SpecialFunctions.DiGamma(alpha + nj) - pa : 0;
                accTri = trigamma ? Distributions.Trigamma(alpha + nj) - ta : 0;
            }

            previous = nj;
            log[j] = accLog;
            if (di is not null)
            {
                di[j] = accDi;
            }

            if (tri is not null)
            {
                tri[j] = accTri;
            }
        }

        return (log, di, tri);
    }

    private delegate void ChunkBody(int first, int end, Span<double> sums);

    /// <summary>Runs <paramref name="body"/> over fixed chunks of the rows (in parallel on large data), each into its
    /// own <paramref name="width"/> sums, and adds the chunks' sums in chunk order: the same result on any number of cores.</summary>
    private double[] ChunkedSums(int width, ChunkBody body)
    {
        const int chunk = 16_384;
        int rows = pairs.N.Length;
        int chunks = (rows + chunk - 1) / chunk;
        var partial = new double[chunks * width];
        void Range(int c) => body(c * chunk, Math.Min(rows, (c + 1) * chunk), partial.AsSpan(c * width, width));
        if (chunks > 1)
        {
            Parallel.For(0, chunks, Range);
        }
        else
        {
            Range(0);
        }

        var total = new double[width];
        for (int c = 0; c < chunks; c++)
        {
            for (int q = 0; q < width; q++)
            {
                total[q] += partial[(c * width) + q];
            }
        }

        return total;
    }

    /// <summary>The search box on the fitted scale u = (log α1, log β1, log α2, log β2, logit P): α and β in [1e-6, 1e4]
    /// (wider than openEBGM's autoHyper box [1e-5, 20], so its optimum is never above this one), P in [1e-6, 1 − 1e-6].
    /// Data with little overdispersion push a component towards a point mass (α, β → ∞ with α/β fixed); the box keeps
    /// that limit finite and the posterior computable, and the fit then says which bound it reached.</summary>
    internal static readonly double[] Lower = [Math.Log(1e-6), Math.Log(1e-6), Math.Log(1e-6), Math.Log(1e-6), -Math.Log((1 - 1e-6) / 1e-6)];

    internal static readonly double[] Upper = [Math.Log(1e4), Math.Log(1e4), Math.Log(1e4), Math.Log(1e4), Math.Log((1 - 1e-6) / 1e-6)];

    private static readonly string[] Names = ["alpha1", "beta1", "alpha2", "beta2", "P"];

    private static double[] ToTheta(double[] u) =>
        [Math.Exp(u[0]), Math.Exp(u[1]), Math.Exp(u[2]), Math.Exp(u[3]), 1 / (1 + Math.Exp(-u[4]))];

    internal static double[] ToU(double[] th) =>
        [Math.Log(th[0]), Math.Log(th[1]), Math.Log(th[2]), Math.Log(th[3]), Math.Log(th[4] / (1 - th[4]))];

    /// <summary>ℓ and its gradient on the fitted scale u.</summary>
    internal double EvaluateU(double[] u, double[] g)
    {
        var th = ToTheta(u);
        if (!Valid(th))
        {
            return double.NegativeInfinity;
        }

        var tot = Sums(th, GpsKernel.Gradient);
        Array.Copy(tot, 1, g, 0, 5);
        return tot[0];
    }

    /// <summary>The analytic Hessian of ℓ on u = (log α1, log β1, log α2, log β2, logit P). Per pair and component,
    /// x_k = log w_k + lgamma(α + N) − lgamma(α) − log N! + φ(α l) − N log(β + E) + N log E with l = log(β/(β + E)) and
    /// φ(s) = s − log(1 − eˢ) (so φ' = 1/(1 − f0), φ'' = f0/(1 − f0)², f0 = e^(αl)); ℓᵢ = log(e^x1 + e^x2) has Hessian
    /// w1 ∇²x1 + w2 ∇²x2 + w1 w2 (∇x1 − ∇x2)(∇x1 − ∇x2)ᵀ (w the posterior weights). Trigamma differences once per
    /// distinct N. The tests compare it with central differences of the analytic gradient.</summary>
    internal double[] HessianU(double[] u)
    {
        const int dim = 5;
        var upper = Sums(ToTheta(u), GpsKernel.Hessian);
        var h = new double[dim * dim];
        for (int r = 0, t = 6; r < dim; r++)
        {
            for (int cc = r; cc < dim; cc++)
            {
                h[(r * dim) + cc] = upper[t];
                h[(cc * dim) + r] = upper[t++];
            }
        }

        return h;
    }

    /// <summary>The largest coordinate difference of two hyperparameter vectors on the fitted scale (either labelling).</summary>
    internal static double Distance(double[] a, double[] b)
    {
        double[] ua = ToU(a), ub = ToU(b);
        double d1 = 0, d2 = 0;
        int[] swap = [2, 3, 0, 1];
        for (int j = 0; j < 4; j++)
        {
            d1 = Math.Max(d1, Math.Abs(ua[j] - ub[j]));
            d2 = Math.Max(d2, Math.Abs(ua[j] - ub[swap[j]]));
        }

        d1 = Math.Max(d1, Math.Abs(ua[4] - ub[4]));
        d2 = Math.Max(d2, Math.Abs(ua[4] + ub[4]));
        return Math.Min(d1, d2);
    }

    /// <summary>The result of one bounded ascent.</summary>
    internal sealed record Ascent(double[] Theta, double LogLikelihood, bool Converged, int Iterations, double GradientNorm, string? Note);

    /// <summary>Projected, damped (Levenberg-Marquardt) Newton ascent on u inside the box: coordinates at a bound whose
    /// gradient points out of the box are held there (the KKT conditions), Newton steps on the others with the analytic
    /// gradient and a difference Hessian, projected onto the box; a step is accepted only if ℓ rises (or, within ℓ's
    /// rounding, the projected gradient halves). Converged when the Newton decrement on the free coordinates is
    /// ≤ 1e-12·max(1, |ℓ|) with a negative definite Hessian there.</summary>
    public Ascent Maximise(double[] start, int maxIterations = 300)
    {
        const int dim = 5;
        var u = ToU(start);
        for (int j = 0; j < dim; j++)
        {
            u[j] = Math.Clamp(u[j], Lower[j], Upper[j]);
        }

        var g = new double[dim];
        double f = EvaluateU(u, g);
        if (!double.IsFinite(f))
        {
            return new Ascent(ToTheta(u), f, false, 0, double.NaN, "the likelihood is not finite at the start");
        }

        double lambda = 0;
        bool[] active = new bool[dim];
        double Projected(double[] uu, double[] gg, bool[] act)
        {
            double m = 0;
            for (int j = 0; j < dim; j++)
            {
                // ε-active (Bertsekas' projected Newton): within 1e-4 of a bound, gradient pointing out of the box
                bool atLower = uu[j] <= Lower[j] + 1e-4 && gg[j] < 0, atUpper = uu[j] >= Upper[j] - 1e-4 && gg[j] > 0;
                act[j] = atLower || atUpper;
                m = Math.Max(m, act[j] ? 0 : Math.Abs(gg[j]));
            }

            return m;
        }

        double pg = Projected(u, g, active);
        double fTen = f;
        for (int iter = 1; iter <= maxIterations; iter++)
        {
            if (iter % 25 == 0)
            {
                // a flat ridge (a component drifting towards a point mass inside the box): ℓ no longer moves
                if (f - fTen <= 1e-13 * Math.Max(1, Math.Abs(f)))
                {
                    return Finish(u, f, false, iter, pg, "the likelihood is flat along a ridge (no change in 25 iterations) yet the projected gradient is not zero");
                }

                fTen = f;
            }

            var h = HessianU(u);
            var free = Enumerable.Range(0, dim).Where(j => !active[j]).ToArray();
            int m = free.Length;
            if (m == 0)
            {
                return Finish(u, f, true, iter, 0);
            }

            var negH = new double[m * m];
            var gf = new double[m];
            for (int a = 0; a < m; a++)
            {
                gf[a] = g[free[a]];
                for (int b = 0; b < m; b++)
                {
                    negH[(a * m) + b] = -h[(free[a] * dim) + free[b]];
                }
            }

            var newton = Numerics.Cholesky.Solve(negH, gf, m);
            double dec = newton is null ? double.PositiveInfinity : newton.Select((v, a) => v * gf[a]).Sum();

            // the ε-active coordinates move onto their bounds; the free ones then take the Newton step of the quadratic
            // model given that move: (−H_ff) s = g_f + H_fa Δ_a
            var rhs = (double[])gf.Clone();
            for (int a = 0; a < m; a++)
            {
                for (int j = 0; j < dim; j++)
                {
                    if (active[j])
                    {
                        rhs[a] += h[(free[a] * dim) + j] * ((g[j] < 0 ? Lower[j] : Upper[j]) - u[j]);
                    }
                }
            }

            if (dec <= 1e-20 * Math.Max(1, Math.Abs(f)))
            {
                return Finish(u, f, true, iter, pg);
            }

            bool accepted = false;
            double scaleH = Enumerable.Range(0, m).Max(a => Math.Abs(negH[(a * m) + a])) + 1e-12;
            for (int tries = 0; tries < 60 && !accepted; tries++)
            {
                var damped = (double[])negH.Clone();
                for (int a = 0; a < m; a++)
                {
                    damped[(a * m) + a] += lambda;
                }

                var s = Numerics.Cholesky.Solve(damped, rhs, m);
                if (s is null)
                {
                    lambda = Math.Max(10 * lambda, 1e-6 * scaleH);
                    continue;
                }

                double len = Math.Sqrt(s.Sum(v => v * v));
                if (len > 2)
                {
                    for (int a = 0; a < m; a++)
                    {
                        s[a] *= 2 / len;
                    }
                }

                var next = (double[])u.Clone();
                for (int j = 0; j < dim; j++)
                {
                    if (active[j])
                    {
                        next[j] = g[j] < 0 ? Lower[j] : Upper[j];   // an ε-active coordinate moves onto its bound (ascent to first order)
                    }
                }

                for (int a = 0; a < m; a++)
                {
                    next[free[a]] = Math.Clamp(u[free[a]] + s[a], Lower[free[a]], Upper[free[a]]);
                }

                var gn = new double[dim];
                double fn = EvaluateU(next, gn);
                var actN = new bool[dim];
                double pgN = Projected(next, gn, actN);
                if (double.IsFinite(fn) && (fn > f || (fn >= f - (1e-14 * Math.Max(1, Math.Abs(f))) && pgN < 0.5 * pg)))
                {
                    u = next;
                    f = fn;
                    g = gn;
                    pg = pgN;
                    active = actN;
                    lambda = lambda < 1e-10 * scaleH ? 0 : lambda / 10;
                    accepted = true;
                }
                else
                {
                    lambda = Math.Max(10 * lambda, 1e-6 * scaleH);
                }
            }

            if (!accepted || iter % 5 == 0)
            {
                // a coordinate drifting towards a bound (a component tending to a point mass, α → ∞, or to the
                // log-series limit, α → 0) moves slowly in Newton steps: try it at the bound its gradient points to
                double bestF = f;
                double[]? bestU = null, bestG = null;   // a bound no lower than ℓ to rounding is taken (it settles a coordinate)
                for (int j = 0; j < dim; j++)
                {
                    if (active[j] || g[j] == 0)
                    {
                        continue;
                    }

                    var snap = (double[])u.Clone();
                    snap[j] = g[j] < 0 ? Lower[j] : Upper[j];
                    var gs = new double[dim];
                    double fs = EvaluateU(snap, gs);
                    if (double.IsFinite(fs) && (fs > bestF || (bestU is null && fs >= f - (1e-14 * Math.Max(1, Math.Abs(f))))))
                    {
                        (bestF, bestU, bestG) = (fs, snap, gs);
                    }
                }

                if (bestU is not null)
                {
                    u = bestU;
                    f = bestF;
                    g = bestG!;
                    pg = Projected(u, g, active);
                    lambda = 0;
                    continue;
                }
            }

            if (!accepted)
            {
                // no step (nor a bound) increases ℓ: a maximum to rounding when the Newton decrement is negligible, or,
                // where directions are flat (a component with P at its bound leaves its α, β undetermined, so the
                // Hessian is singular), when the projected gradient is below 1e-8·max(1, |ℓ|), the accuracy of a
                // gradient summed over the pairs
                bool ok = dec <= 1e-12 * Math.Max(1, Math.Abs(f)) || pg <= 1e-8 * Math.Max(1, Math.Abs(f));
                return Finish(u, f, ok, iter, pg, ok ? null : "no step increases the likelihood, but the projected gradient is not zero");
            }
        }

        return Finish(u, f, false, maxIterations, pg, $"no convergence in {maxIterations} iterations");

        Ascent Finish(double[] uu, double ff, bool ok, int it, double gnorm, string? why = null)
        {
            var bounds = Enumerable.Range(0, dim).Where(j => uu[j] <= Lower[j] || uu[j] >= Upper[j])
                .Select(j => $"{Names[j]} at {(uu[j] <= Lower[j] ? "1e-6" : j == 4 ? "1 - 1e-6" : "1e4")}").ToList();
            string? note = why ?? (bounds.Count > 0 ? string.Join(", ", bounds) : null);
            return new Ascent(ToTheta(uu), ff, ok, it, gnorm, note);
        }
    }
}
