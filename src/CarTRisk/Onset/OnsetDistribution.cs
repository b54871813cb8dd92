using System.Collections.Immutable;
using System.Globalization;
using System.Numerics.Tensors;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>Parametric families of time to onset (survreg's <c>dist</c> names).</summary>
public enum OnsetFamily
{
    /// <summary>Exponential (<c>dist = "exponential"</c>): the Weibull with scale fixed at 1, a constant hazard.</summary>
    Exponential,

    /// <summary>Weibull (<c>"weibull"</c>): log T = μ + σW, W standard extreme value; shape = 1/σ.</summary>
    Weibull,

    /// <summary>Log-normal (<c>"lognormal"</c>): W standard normal.</summary>
    LogNormal,

    /// <summary>Log-logistic (<c>"loglogistic"</c>): W standard logistic.</summary>
    LogLogistic,
}

/// <summary>The hazard shape of the WSP test.</summary>
public enum HazardShape
{
    /// <summary>The shape interval lies below 1: a hazard falling with time (early onset).</summary>
    Decreasing,

    /// <summary>The interval holds 1: no evidence against a constant hazard.</summary>
    Constant,

    /// <summary>The interval lies above 1: a hazard rising with time.</summary>
    Increasing,
}

/// <summary>A right-censored maximum-likelihood fit of an onset distribution (= <c>survreg(Surv(t, e) ~ 1, dist)</c>).</summary>
public sealed record ParametricFit
{
    internal ParametricFit()
    {
    }

    /// <summary>The family.</summary>
    public OnsetFamily Family { get; init; }

    /// <summary>μ̂, the location of log T (= <c>coef(fit)</c>).</summary>
    public double Intercept { get; init; }

    /// <summary>log σ̂ (= <c>log(fit$scale)</c>; 0 for the exponential).</summary>
    public double LogScale { get; init; }

    /// <summary>vcov of (Intercept, log scale), row-major (= <c>vcov(fit)</c>): 2 × 2, or 1 × 1 for the exponential.</summary>
    public ImmutableArray<double> Variance { get; init; }

    /// <summary>The log-likelihood of the times (density of t, not of log t) (= <c>fit$loglik[2]</c>).</summary>
    public double LogLikelihood { get; init; }

    /// <summary>−2 LogLikelihood + 2k, k = 1 (exponential) or 2 (= <c>AIC(fit)</c>).</summary>
    public double Aic { get; init; }

    /// <summary>Records and events.</summary>
    public int Observations { get; init; }

    /// <summary>Events (uncensored times).</summary>
    public int Events { get; init; }

    /// <summary>The confidence level of <see cref="Quantile"/>.</summary>
    public double Level { get; init; }

    /// <summary>True only at a verified maximum: the score is zero to rounding (Newton decrement UᵀI⁻¹U ≤ 1e-24·max(1, |ℓ|), or ≤ 1e-16 where rounding stops progress: within 1e-8 standard errors) and
    /// the Hessian is negative definite. The exponential's closed form is always converged.</summary>
    public bool Converged { get; init; }

    /// <summary>Newton iterations (0 for the exponential's closed form).</summary>
    public int Iterations { get; init; }

    /// <summary>max |score| at the returned point, in (μ, log σ).</summary>
    public double GradientNorm { get; init; }

    /// <summary>Why <see cref="Converged"/> is false; null when it is true.</summary>
    public string? ConvergenceNote { get; init; }

    private double Scale => Math.Exp(LogScale);

    /// <summary>The time by which a fraction <paramref name="probability"/> has had the event, with a log-scale Wald
    /// interval: = <c>predict(fit, type = "quantile", p, se.fit = TRUE)</c>, limits exp(uq ∓ z·se(uq)),
    /// uq = μ + σ·w_p, var(uq) = V11 + 2σw_p V12 + σ²w_p² V22.</summary>
    /// <param name="probability">p in (0, 1).</param>
    /// <returns>The quantile and its interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in (0, 1).</exception>
    public QuantileEstimate Quantile(double probability)
    {
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "probability must lie in (0, 1).");
        }

        double w = Family switch
        {
            OnsetFamily.Exponential or OnsetFamily.Weibull => Math.Log(-Elementary.Log1P(-probability)),
            OnsetFamily.LogNormal => Distributions.NormalQuantile(probability),
            _ => Math.Log(probability / (1 - probability)),
        };
        double uq = Intercept + (Scale * w);
        double var = Family == OnsetFamily.Exponential
            ? Variance[0]
            : Variance[0] + (2 * Scale * w * Variance[1]) + (Scale * Scale * w * w * Variance[3]);
        double z = Distributions.NormalQuantile((1 + Level) / 2);
        double se = Math.Sqrt(var);
        return new QuantileEstimate(Math.Exp(uq), Math.Exp(uq - (z * se)), Math.Exp(uq + (z * se)));
    }

    /// <summary>S(t) = 1 − <c>psurvreg(t, coef, scale, dist)</c>.</summary>
    /// <param name="t">A time ≥ 0.</param>
    /// <returns>The survival probability (1 at t = 0).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite time.</exception>
    public double Survival(double t)
    {
        Guard.FiniteNonNegative(t);
        if (t == 0)
        {
            return 1;
        }

        double z = (Math.Log(t) - Intercept) / Scale;
        return Math.Exp(OnsetLikelihood.LogSurvival(Family, z));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Family}: intercept {Intercept:G6}, log scale {LogScale:G6}, log-likelihood {LogLikelihood:G8}, AIC {Aic:G8}{(Converged ? "" : "\nWARNING: NOT CONVERGED: " + ConvergenceNote)}");
}

/// <summary>The Weibull shape parameter (WSP) test of pharmacovigilance (Cornelius et al., Drug Saf 2012;35:599).</summary>
/// <param name="Shape">1/σ̂ of the uncensored survreg Weibull fit.</param>
/// <param name="ShapeInterval">1/exp(log σ̂ ± z·se(log σ̂)).</param>
/// <param name="Scale">exp(μ̂), the Weibull scale in days (R's <c>rweibull(scale = )</c>).</param>
/// <param name="Classification">Decreasing (upper &lt; 1), Increasing (lower &gt; 1), else Constant.</param>
/// <param name="Cases">The number of onset times.</param>
public sealed record WeibullShapeTest(double Shape, ConfidenceInterval ShapeInterval, double Scale, HazardShape Classification, int Cases)
{
    /// <summary>Whether the Weibull fit behind the test reached its maximum (<see cref="ParametricFit.Converged"/>).</summary>
    public bool Converged { get; init; } = true;

    /// <summary>Why not; null when converged.</summary>
    public string? ConvergenceNote { get; init; }
}

/// <summary>Time-to-onset distributions: parametric fits and the WSP test.</summary>
public static class OnsetDistribution
{
    /// <summary>Right-censored maximum likelihood, = <c>survreg(Surv(t, e) ~ 1, dist = family)</c> run to full
    /// convergence: log T = μ + σW; the log-likelihood of the times is Σ_events [log f_W(z) − log σ − log t] +
    /// Σ_censored log S_W(z), z = (log t − μ)/σ. The exponential has the closed form μ̂ = log(Σt/d), var = 1/d.</summary>
    /// <param name="durations">Times, finite and &gt; 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="family">The family.</param>
    /// <param name="level">The confidence level of the quantile intervals.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ArgumentException">Lengths differ or no record; no event (the likelihood has no maximum: the
    /// fit would run to infinity); for the two-parameter families, fewer than two distinct event times (σ̂ would be 0).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time that is 0, negative or not finite (index named), or a bad family or level.</exception>
    public static ParametricFit Fit(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, OnsetFamily family, double level = 0.95)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), events.Length, nameof(events));
        Guard.Level(level);
        if (!Enum.IsDefined(family))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "family is not a defined OnsetFamily.");
        }

        for (int i = 0; i < durations.Length; i++)
        {
            if (!(durations[i] > 0 && double.IsFinite(durations[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(durations), durations[i], $"durations[{i}] is {Guard.Show(durations[i])}; onset times must be finite and > 0 (log t is modelled; survreg rejects 0 too).");
            }
        }

        int d = 0, distinctEventTimes = 0;
        double firstEventTime = double.NaN;
        for (int i = 0; i < events.Length; i++)
        {
            if (events[i])
            {
                d++;
                if (distinctEventTimes == 0)
                {
                    firstEventTime = durations[i];
                    distinctEventTimes = 1;
                }
                else if (durations[i] != firstEventTime)
                {
                    distinctEventTimes = 2;
                }
            }
        }

        if (d == 0)
        {
            throw new ArgumentException("events has no event: every time is censored and the likelihood has no maximum (the onset time could be arbitrarily late).", nameof(events));
        }

        if (family != OnsetFamily.Exponential && distinctEventTimes < 2 && durations.Length == d)
        {
            throw new ArgumentException($"a {family} fit needs at least two distinct event times (with one, the scale estimate is 0).", nameof(events));
        }

        return OnsetLikelihood.Maximise(durations.ToArray(), events.ToArray(), family, level);
    }

    /// <summary>The WSP test on onset times among cases (all events): the Weibull shape 1/σ̂ of
    /// <c>survreg(Surv(days) ~ 1, dist = "weibull")</c> with the interval 1/exp(log σ̂ ± z·se).</summary>
    /// <param name="onsetDays">Days from exposure (infusion) to onset, finite and &gt; 0; at least two distinct.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The test and the hazard-shape classification.</returns>
    /// <exception cref="ArgumentException">Fewer than two distinct onset days.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A day that is 0, negative or not finite (index named), or a bad level.</exception>
    public static WeibullShapeTest ShapeTest(ReadOnlySpan<double> onsetDays, double level = 0.95)
    {
        var events = new bool[onsetDays.Length];
        Array.Fill(events, true);
        var fit = Fit(onsetDays, events, OnsetFamily.Weibull, level);
        double z = Distributions.NormalQuantile((1 + level) / 2);
        double se = Math.Sqrt(fit.Variance[3]);
        double lower = 1 / Math.Exp(fit.LogScale + (z * se)), upper = 1 / Math.Exp(fit.LogScale - (z * se));
        var shape = upper < 1 ? HazardShape.Decreasing : lower > 1 ? HazardShape.Increasing : HazardShape.Constant;
        return new WeibullShapeTest(1 / Math.Exp(fit.LogScale), new ConfidenceInterval(lower, upper), Math.Exp(fit.Intercept), shape, onsetDays.Length)
        {
            Converged = fit.Converged,
            ConvergenceNote = fit.ConvergenceNote,
        };
    }

    /// <summary>The WSP test on the onset days of a cohort's cases (days from infusion to malignancy; a case diagnosed
    /// on the day of infusion has onset 0 and cannot enter a Weibull fit: an error naming it).</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The test.</returns>
    /// <exception cref="ArgumentException">Fewer than two distinct onset days, or an onset on day 0.</exception>
    public static WeibullShapeTest ShapeTest(Cohort cohort, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var days = cohort.Records.Where(r => r.Outcome == FollowUpOutcome.Malignancy).Select(r => (double)r.DurationDays).ToArray();
        return ShapeTest(days, level);
    }
}

/// <summary>The log times of an onset fit, events first, with scratch space for one evaluation at a time.</summary>
internal sealed class OnsetData
{
    public required double[] LogTime { get; init; }

    public int Events { get; init; }

    public double SumLogEventTimes { get; init; }

    public double SumAbsLogEventTimes { get; init; }

    public required double[] Z { get; init; }

    public required double[] W1 { get; init; }

    public required double[] W2 { get; init; }

    public static OnsetData Prepare(double[] t, bool[] e)
    {
        int n = t.Length, d = 0;
        foreach (bool b in e)
        {
            d += b ? 1 : 0;
        }

        var lt = new double[n];
        int ie = 0, ic = d;
        for (int i = 0; i < n; i++)
        {
            lt[e[i] ? ie++ : ic++] = t[i];
        }

        TensorPrimitives.Log(lt, lt);
        var events = lt.AsSpan(0, d);
        return new OnsetData
        {
            LogTime = lt, Events = d, SumLogEventTimes = TensorPrimitives.Sum<double>(events),
            SumAbsLogEventTimes = TensorPrimitives.SumOfMagnitudes<double>(events),
            Z = new double[n], W1 = new double[n], W2 = new double[n],
        };
    }
}

/// <summary>The location-scale log-likelihood and its Newton-Raphson maximisation.</summary>
internal static class OnsetLikelihood
{
    /// <summary>log S_W(z).</summary>
    public static double LogSurvival(OnsetFamily family, double z) => family switch
    {
        OnsetFamily.Exponential or OnsetFamily.Weibull => -Math.Exp(z),
        OnsetFamily.LogNormal => LogNormalTail(z),
        _ => -Softplus(z),
    };

    private static double Softplus(double z) => z > 0 ? z + Elementary.Log1P(Math.Exp(-z)) : Elementary.Log1P(Math.Exp(z));

    private static double LogNormalTail(double z) =>
        z < 30 ? Math.Log(Distributions.NormalTail(z)) : (-0.5 * z * z) - Math.Log(z * Math.Sqrt(2 * Math.PI)) + Elementary.Log1P(-1 / (z * z));

    /// <summary>log f_W(z), its derivative g and g' (events); log S_W, h, h' (censored).</summary>
    private static (double Value, double D1, double D2) Term(OnsetFamily family, double z, bool evt)
    {
        switch (family)
        {
            case OnsetFamily.Exponential:
            case OnsetFamily.Weibull:
                {
                    double ez = Math.Exp(z);
                    return evt ? (z - ez, 1 - ez, -ez) : (-ez, -ez, -ez);
                }

            case OnsetFamily.LogNormal:
                {
                    if (evt)
                    {
                        return ((-0.5 * z * z) - (0.5 * Math.Log(2 * Math.PI)), -z, -1);
                    }

                    double logS = LogNormalTail(z);
                    double lambda = Math.Exp((-0.5 * z * z) - (0.5 * Math.Log(2 * Math.PI)) - logS);   // φ/S
                    return (logS, -lambda, -lambda * (lambda - z));
                }

            default:
                {
                    double f = z > 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
                    return evt ? (z - (2 * Softplus(z)), 1 - (2 * f), -2 * f * (1 - f)) : (-Softplus(z), -f, -f * (1 - f));
                }
        }
    }

    /// <summary>The scalar twin of <see cref="Evaluate(OnsetData, OnsetFamily, double, double)"/>: one record at a time,
    /// straight from the formulas (the tests compare the two).</summary>
    internal static (double L, double[] U, double[] H, double LAbs) EvaluateScalar(double[] t, bool[] e, OnsetFamily family, double mu, double tau)
    {
        double sigma = Math.Exp(tau);
        double l = 0, u0 = 0, u1 = 0, h00 = 0, h01 = 0, h11 = 0, lAbs = 0;
        for (int i = 0; i < t.Length; i++)
        {
            double lt = Math.Log(t[i]);
            double z = (lt - mu) / sigma;
            var (v, q, q1) = Term(family, z, e[i]);
            double li = v - (e[i] ? tau + lt : 0);
            l += li;
            lAbs += Math.Abs(li);
            u0 += -q / sigma;
            u1 += (-q * z) - (e[i] ? 1 : 0);
            h00 += q1 / (sigma * sigma);
            h01 += ((q1 * z) + q) / sigma;
            h11 += (q1 * z * z) + (q * z);
        }

        return (l, [u0, u1], [h00, h01, h01, h11], lAbs);
    }

    /// <summary>ℓ, the score and the Hessian in (μ, log σ) over the prepared log times, with a bound on Σ|ℓᵢ| for the
    /// rounding test. The Weibull and the log-normal events reduce to a few vector sums (Σz, Σeᶻ, Σzeᶻ, Σz²eᶻ; Σz²);
    /// the log-logistic takes e^(−|z|) and log(1 + e^(−|z|)) by vector operations and the rest in one pass; censored
    /// log-normal records go one at a time (the normal tail).</summary>
    internal static (double L, double[] U, double[] H, double LAbs) Evaluate(OnsetData data, OnsetFamily family, double mu, double tau)
    {
        double sigma = Math.Exp(tau), inv = 1 / sigma;
        int n = data.LogTime.Length, d = data.Events;
        var z = data.Z.AsSpan(0, n);
        TensorPrimitives.Subtract(data.LogTime, mu, z);
        TensorPrimitives.Divide(z, sigma, z);
        var ze = z[..d];
        var zc = z[d..];
        double l, u0, u1, h00, h01, h11, lAbs;
        double baseL = (-d * tau) - data.SumLogEventTimes;
        double baseAbs = (d * Math.Abs(tau)) + data.SumAbsLogEventTimes;
        switch (family)
        {
            case OnsetFamily.Exponential:
            case OnsetFamily.Weibull:
                {
                    var ez = data.W1.AsSpan(0, n);
                    var ezz = data.W2.AsSpan(0, n);
                    TensorPrimitives.Exp(z, ez);
                    TensorPrimitives.Multiply(ez, z, ezz);
                    // ℓ's two sums compensated (the optimiser compares ℓ at points a rounding error apart)
                    double sz = CompensatedSum.Of(ze), sez = CompensatedSum.Of(ez), sezz = TensorPrimitives.Sum(ezz);
                    double sezzz = TensorPrimitives.Dot(ezz, z);
                    l = sz - sez + baseL;
                    lAbs = TensorPrimitives.SumOfMagnitudes(ze) + sez + baseAbs;
                    u0 = -(d - sez) * inv;
                    u1 = -(sz - sezz) - d;
                    h00 = -sez * inv * inv;
                    h01 = (d - sezz - sez) * inv;
                    h11 = sz - sezz - sezzz;
                    break;
                }

            case OnsetFamily.LogNormal:
                {
                    double sz = TensorPrimitives.Sum(ze);
                    var zz = data.W1.AsSpan(0, d);
                    TensorPrimitives.Multiply(ze, ze, zz);
                    double szz = CompensatedSum.Of(zz);
                    double c0 = 0.5 * Math.Log(2 * Math.PI);
                    l = (-0.5 * szz) - (d * c0) + baseL;
                    lAbs = (0.5 * szz) + (d * c0) + baseAbs;
                    u0 = sz * inv;
                    u1 = szz - d;
                    h00 = -d * inv * inv;
                    h01 = -2 * sz * inv;
                    h11 = -2 * szz;
                    double cu0 = 0, cu1 = 0, c00 = 0, c01 = 0, c11 = 0;
                    var clSum = default(CompensatedSum);
                    foreach (double zi in zc)
                    {
                        var (v, q, q1) = Term(family, zi, false);
                        clSum.Add(v);
                        cu0 -= q;
                        cu1 -= q * zi;
                        c00 += q1;
                        c01 += (q1 * zi) + q;
                        c11 += (q1 * zi * zi) + (q * zi);
                    }

                    double cl = clSum.Value;
                    l += cl;
                    lAbs -= cl;   // every censored term is log S ≤ 0
                    u0 += cu0 * inv;
                    u1 += cu1;
                    h00 += c00 * inv * inv;
                    h01 += c01 * inv;
                    h11 += c11;
                    break;
                }

            default:
                {
                    // a = e^(−|z|); log(1 + a) with the correction log(u)·a/(u − 1), u = 1 + a, exact to rounding
                    var a = data.W1.AsSpan(0, n);
                    var lu = data.W2.AsSpan(0, n);
                    TensorPrimitives.Abs(z, a);
                    TensorPrimitives.Negate(a, a);
                    TensorPrimitives.Exp(a, a);
                    TensorPrimitives.Add(a, 1.0, lu);
                    TensorPrimitives.Log(lu, lu);
                    var lSum = default(CompensatedSum);
                    lAbs = baseAbs;
                    u0 = 0;
                    u1 = -d;
                    h00 = 0;
                    h01 = 0;
                    h11 = 0;
                    double su0 = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double zi = z[i], ai = a[i], up = 1 + ai;
                        double log1p = up == 1 ? ai : lu[i] * ai / (up - 1);
                        double sp = Math.Max(zi, 0) + log1p;              // softplus(z) = log(1 + e^z)
                        double f = (zi > 0 ? 1 : ai) / up;                 // the logistic cdf at z
                        double ff = f * (1 - f);
                        double v, q, q1;
                        if (i < d)
                        {
                            v = zi - (2 * sp);
                            q = 1 - (2 * f);
                            q1 = -2 * ff;
                            lAbs += Math.Abs(zi) + (2 * sp);
                        }
                        else
                        {
                            v = -sp;
                            q = -f;
                            q1 = -ff;
                            lAbs += sp;
                        }

                        lSum.Add(v);
                        su0 -= q;
                        u1 -= q * zi;
                        h00 += q1;
                        h01 += (q1 * zi) + q;
                        h11 += (q1 * zi * zi) + (q * zi);
                    }

                    l = lSum.Value + baseL;
                    u0 = su0 * inv;
                    h00 *= inv * inv;
                    h01 *= inv;
                    break;
                }
        }

        return (l, [u0, u1], [h00, h01, h01, h11], lAbs);
    }

    public static ParametricFit Maximise(double[] t, bool[] e, OnsetFamily family, double level)
    {
        var data = OnsetData.Prepare(t, e);
        int d = data.Events;
        double sumT = t.Sum();

        // The exponential MLE (closed form: λ̂ = d / Σt, μ̂ = log(Σt/d), var(μ̂) = 1/d) is both the exponential fit and
        // the start of the two-parameter fits (σ = 1), as survreg starts from a simpler fit.
        double mu = Math.Log(sumT / d), tau = 0;
        if (family == OnsetFamily.Exponential)
        {
            var (ll0, u0, _, _) = Evaluate(data, family, mu, 0);
            return new ParametricFit
            {
                Family = family, Intercept = mu, LogScale = 0, Variance = [1.0 / d], LogLikelihood = ll0, Aic = (-2 * ll0) + 2,
                Observations = t.Length, Events = d, Level = level, Converged = true, Iterations = 0, GradientNorm = Math.Abs(u0[0]),
            };
        }

        // Damped Newton (Levenberg-Marquardt) on (μ, log σ): the log-likelihood of these three log-concave families is
        // concave in (μ/σ, 1/σ) (Burridge 1981), so its only stationary point is the maximum, and an ascent method that
        // only accepts increases and damps the Hessian where it is not negative definite reaches it from any start.
        // Every step is capped at length 1 (a factor e on σ), and no accepted point is below one visited before.
        var (l, u, h, lAbs) = Evaluate(data, family, mu, tau);
        double lambda = 0;
        int iter;
        bool converged = false;
        string? note = null;
        const int maxIterations = 500;
        for (iter = 1; iter <= maxIterations; iter++)
        {
            double dec = NewtonDecrement(u, h);
            if (dec <= 1e-24 * Math.Max(1, Math.Abs(l)))
            {
                converged = true;
                break;
            }

            bool accepted = false;
            for (int tries = 0; tries < 80 && !accepted; tries++)
            {
                // (−H + λI) s = U
                double a = -h[0] + lambda, b = -h[1], c = -h[3] + lambda;
                double det = (a * c) - (b * b);
                if (!(a > 0 && det > 0))
                {
                    lambda = Math.Max(2 * lambda, Math.Max(1e-8, Math.Abs(h[0]) + Math.Abs(h[3]) + 2 * Math.Abs(b)));
                    continue;
                }

                double s0 = ((c * u[0]) - (b * u[1])) / det;
                double s1 = ((a * u[1]) - (b * u[0])) / det;
                double len = Math.Sqrt((s0 * s0) + (s1 * s1));
                if (len > 1)
                {
                    s0 /= len;
                    s1 /= len;
                }

                var next = Evaluate(data, family, mu + s0, tau + s1);
                // near the maximum ℓ changes only in its last bits: there a step that keeps ℓ within its rounding error (a
                // bound from the sum of the terms' magnitudes) and halves
                // the Newton decrement is progress (the score, not ℓ, locates the maximum to full precision)
                if (double.IsFinite(next.L) && (next.L > l || (next.L >= l - (1e-15 * (lAbs + next.LAbs)) && NewtonDecrement(next.U, next.H) < 0.5 * dec)))
                {
                    mu += s0;
                    tau += s1;
                    (l, u, h, lAbs) = next;
                    lambda /= 10;
                    if (lambda < 1e-12)
                    {
                        lambda = 0;
                    }

                    accepted = true;
                }
                else
                {
                    lambda = Math.Max(10 * lambda, 1e-6 * (1 + Math.Abs(h[0]) + Math.Abs(h[3])));
                }
            }

            if (!accepted)
            {
                // no step increases ℓ: the point is the maximum to rounding if the score is negligible there
                converged = Concave(h) && NewtonDecrement(u, h) <= 1e-16;
                if (!converged)
                {
                    note = "no step increases the log-likelihood, but the score is not zero";
                }

                break;
            }

            if (tau < -30)
            {
                note = "the scale runs to 0 (log sigma below -30): the likelihood has no finite maximum";
                break;
            }
        }

        if (converged && !Concave(h))
        {
            converged = false;
            note = "the Hessian at the returned point is not negative definite";
        }

        if (!converged && note is null)
        {
            note = $"no convergence in {maxIterations} iterations";
        }

        // vcov = (−H)⁻¹ in (μ, log σ)
        double dt = (h[0] * h[3]) - (h[1] * h[2]);
        double[] v = [-h[3] / dt, h[1] / dt, h[2] / dt, -h[0] / dt];
        return new ParametricFit
        {
            Family = family, Intercept = mu, LogScale = tau, Variance = [.. v], LogLikelihood = l, Aic = (-2 * l) + 4,
            Observations = t.Length, Events = d, Level = level, Converged = converged, Iterations = Math.Min(iter, maxIterations),
            GradientNorm = Math.Max(Math.Abs(u[0]), Math.Abs(u[1])), ConvergenceNote = converged ? null : note,
        };
    }

    private static bool Concave(double[] h) => h[0] < 0 && ((h[0] * h[3]) - (h[1] * h[1])) > 0;

    /// <summary>Uᵀ(−H)⁻¹U where −H is positive definite (the squared distance to the maximum in standard errors); else
    /// UᵀU, a positive number that vanishes only with the score.</summary>
    private static double NewtonDecrement(double[] u, double[] h)
    {
        if (!Concave(h))
        {
            return double.PositiveInfinity;
        }

        double a = -h[0], b = -h[1], c = -h[3], det = (a * c) - (b * b);
        return ((c * u[0] * u[0]) - (2 * b * u[0] * u[1]) + (a * u[1] * u[1])) / det;
    }
}
