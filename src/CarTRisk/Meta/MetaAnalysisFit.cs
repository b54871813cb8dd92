using CarTRisk.Numerics;

namespace CarTRisk;

/// <content>The random-effects fit shared by proportions and rates.</content>
public static partial class MetaAnalysis
{
    /// <summary>metafor's "typical" within-study variance ṽ = (k − 1)Σw/((Σw)² − Σw²), w = 1/v, behind I² and H².</summary>
    private static double TypicalVariance(IReadOnlyList<double> v)
    {
        double sw = v.Sum(x => 1 / x), sw2 = v.Sum(x => 1 / (x * x));
        return (v.Count - 1) * sw / ((sw * sw) - sw2);
    }

    private static (double Mu, double SumW, double Qgen) Weighted(double[] y, double[] v, double tau2)
    {
        double sw = 0, swy = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double w = 1 / (v[i] + tau2);
            sw += w;
            swy += w * y[i];
        }

        double mu = swy / sw, q = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double d = y[i] - mu;
            q += d * d / (v[i] + tau2);
        }

        return (mu, sw, q);
    }

    /// <summary>The largest root of a decreasing function on [0, ∞) by bracketing and bisection to the last bit; 0 when
    /// f(0) ≤ 0.</summary>
    private static double Root(Func<double, double> f, double scale)
    {
        if (!(f(0) > 0))
        {
            return 0;
        }

        double lo = 0, hi = Math.Max(scale, 1e-12);
        while (f(hi) > 0)
        {
            lo = hi;
            hi *= 2;
            if (hi > 1e300)
            {
                return double.PositiveInfinity;
            }
        }

        for (int i = 0; i < 2000; i++)
        {
            double mid = lo + ((hi - lo) / 2);
            if (mid <= lo || mid >= hi)
            {
                break;
            }

            if (f(mid) > 0)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return Math.Abs(f(lo)) <= Math.Abs(f(hi)) ? lo : hi;
    }

    /// <summary>τ̂² by the chosen estimator (metafor's definitions for a model without moderators).</summary>
    internal static double Tau2(double[] y, double[] v, Tau2Estimator method)
    {
        int k = y.Length;
        double meanV = v.Average();
        switch (method)
        {
            case Tau2Estimator.DerSimonianLaird:
                {
                    var (_, sw, q) = Weighted(y, v, 0);
                    double sw2 = v.Sum(x => 1 / (x * x));
                    return Math.Max(0, (q - (k - 1)) / (sw - (sw2 / sw)));
                }

            case Tau2Estimator.Hedges:
                {
                    double mean = y.Average();
                    return Math.Max(0, (y.Sum(x => (x - mean) * (x - mean)) / (k - 1)) - meanV);
                }

            case Tau2Estimator.HunterSchmidt:
                {
                    var (_, sw, q) = Weighted(y, v, 0);
                    return Math.Max(0, (q - k) / sw);
                }

            case Tau2Estimator.SidikJonkman:
                {
                    double mean = y.Average();
                    double tau0 = y.Sum(x => (x - mean) * (x - mean)) / k;
                    if (tau0 == 0)
                    {
                        return 0;
                    }

                    var (_, _, q) = Weighted(y, v, tau0);
                    return tau0 * q / (k - 1);
                }

            case Tau2Estimator.MaximumLikelihood:
                return ProfileMaximum(y, v, reml: false);

            case Tau2Estimator.Reml:
                return ProfileMaximum(y, v, reml: true);

            case Tau2Estimator.PauleMandel:
            case Tau2Estimator.EmpiricalBayes:
                return Root(t => Weighted(y, v, t).Qgen - (k - 1), meanV);

            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "not a defined Tau2Estimator.");
        }
    }

    /// <summary>The ML or REML score of τ² (∂ℓ/∂τ² × 2) with μ profiled out.</summary>
    private static double Score(double[] y, double[] v, double t, bool reml)
    {
        var (mu, sw, _) = Weighted(y, v, t);
        double s = 0, sw2 = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double w = 1 / (v[i] + t), d = y[i] - mu;
            s += (w * w * d * d) - w;
            sw2 += w * w;
        }

        return reml ? s + (sw2 / sw) : s;
    }

    /// <summary>The profile log-likelihood of τ² (ML, or REML's restricted one with metafor's ½log|XᵀX| = ½log k),
    /// constants included (= metafor's <c>fit$fit.stats["ll", ]</c>).</summary>
    internal static double ProfileLogLikelihood(double[] y, double[] v, double t, bool reml)
    {
        var (mu, sw, _) = Weighted(y, v, t);
        double l = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double d = y[i] - mu;
            l -= 0.5 * (Math.Log(2 * Math.PI) + Math.Log(v[i] + t) + (d * d / (v[i] + t)));
        }

        return reml ? l + (0.5 * Math.Log(2 * Math.PI)) + (0.5 * Math.Log(y.Length)) - (0.5 * Math.Log(sw)) : l;
    }

    /// <summary>The global maximum of the (restricted) profile likelihood over τ² ≥ 0. The score may have several roots
    /// (the likelihood several modes, e.g. two studies of very different precision): every root on [0, T] (T = range(y)², widened
    /// tenfold until the score is negative there: for ML no root lies beyond range², where every term w²d² − w is negative) is bracketed on a log grid of 40 points per decade down
    /// to 1e-14 of the range, refined by bisection to the last bit, and the one of highest likelihood is kept; τ² = 0
    /// competes when the score there is ≤ 0 (the boundary's KKT condition). metafor's Fisher scoring finds the mode
    /// nearest its start; this finds the highest.</summary>
    internal static double ProfileMaximum(double[] y, double[] v, bool reml)
    {
        double min = y.Min(), max = y.Max();
        double top = (max - min) * (max - min);
        if (!(top > 0))
        {
            return 0;   // identical estimates: ℓ decreases in τ²
        }

        if (!double.IsFinite(top))
        {
            top = double.MaxValue / 4;
        }

        // REML's extra term Σw²/Σw can move its root somewhat past range²: widen until the score is negative
        while (Score(y, v, top, reml) > 0 && top < 1e300)
        {
            top *= 10;
        }

        double best = 0, bestL = Score(y, v, 0, reml) <= 0 ? ProfileLogLikelihood(y, v, 0, reml) : double.NegativeInfinity;
        const int perDecade = 40, decades = 14;
        double prevT = top, prevS = Score(y, v, top, reml);
        for (int g = 1; g <= perDecade * decades + 1; g++)
        {
            double t = g > perDecade * decades ? 0 : top * Math.Pow(10, -(double)g / perDecade);
            double s = Score(y, v, t, reml);
            if (s > 0 && prevS <= 0)
            {
                // the score falls through 0 between t (positive) and prevT: a local maximum
                double lo = t, hi = prevT;
                for (int i = 0; i < 2000; i++)
                {
                    double mid = lo + ((hi - lo) / 2);
                    if (mid <= lo || mid >= hi)
                    {
                        break;
                    }

                    if (Score(y, v, mid, reml) > 0)
                    {
                        lo = mid;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                double root = Math.Abs(Score(y, v, lo, reml)) <= Math.Abs(Score(y, v, hi, reml)) ? lo : hi;
                double l = ProfileLogLikelihood(y, v, root, reml);
                if (l > bestL)
                {
                    best = root;
                    bestL = l;
                }
            }

            prevT = t;
            prevS = s;
        }

        return best;
    }

    private static MetaAnalysisResult Fit(double[] y, double[] v, MetaAnalysisOptions options, Func<double, double> backPooled,
        Func<double, int, double> backStudy)
    {
        int k = y.Length;
        Guard.Level(options.Level, "options.Level");
        double tau2 = Tau2(y, v, options.Method);
        bool iterative = options.Method is Tau2Estimator.MaximumLikelihood or Tau2Estimator.Reml or Tau2Estimator.PauleMandel or Tau2Estimator.EmpiricalBayes;
        double gradient = 0;
        bool converged = true;
        string? note = null;
        if (iterative)
        {
            if (!double.IsFinite(tau2))
            {
                converged = false;
                note = "tau2 is unbounded (Q_gen stays above k - 1)";
            }
            else
            {
                double score = options.Method switch
                {
                    Tau2Estimator.MaximumLikelihood => Score(y, v, tau2, reml: false) / 2,
                    Tau2Estimator.Reml => Score(y, v, tau2, reml: true) / 2,
                    _ => Weighted(y, v, tau2).Qgen - (k - 1),
                };
                gradient = tau2 > 0 ? Math.Abs(score) : Math.Max(0, score);
                note = tau2 == 0 ? "tau2 = 0" : null;
            }
        }

        var (mu, sw, _) = Weighted(y, v, tau2);
        double se = Math.Sqrt(1 / sw);
        double alpha = 1 - options.Level;
        double crit = Distributions.NormalQuantile(1 - (alpha / 2));
        if (options.KnappHartung)
        {
            double s = 0;
            for (int i = 0; i < k; i++)
            {
                double d = y[i] - mu;
                s += d * d / (v[i] + tau2);
            }

            se = Math.Sqrt(s / ((k - 1) * sw));
            crit = StudentTQuantile(1 - (alpha / 2), k - 1);
        }

        // heterogeneity with fixed-effect weights
        var (_, _, q) = Weighted(y, v, 0);
        double vtilde = TypicalVariance(v);
        double qp = Distributions.GammaTail((k - 1) / 2.0, q / 2, upper: true);

        // Q-profile interval: Qgen(τ²) = χ²_{k−1} quantiles (Viechtbauer 2007)
        double chiHi = 2 * Distributions.GammaQuantile((k - 1) / 2.0, alpha / 2, upper: true);
        double chiLo = 2 * Distributions.GammaQuantile((k - 1) / 2.0, alpha / 2, upper: false);
        double scale = Math.Max(tau2, v.Average());
        double lowerTau = Root(t => Weighted(y, v, t).Qgen - chiHi, scale);
        double upperTau = Root(t => Weighted(y, v, t).Qgen - chiLo, scale);

        double zStudy = Distributions.NormalQuantile(1 - (alpha / 2));
        double piHalf = crit * Math.Sqrt(tau2 + (se * se));
        var w = v.Select(x => 1 / (x + tau2)).ToArray();
        double wsum = w.Sum();
        return new MetaAnalysisResult
        {
            Studies = k,
            Estimate = mu,
            StdErr = se,
            Pooled = backPooled(mu),
            Interval = new ConfidenceInterval(backPooled(mu - (crit * se)), backPooled(mu + (crit * se))),
            PredictionInterval = new ConfidenceInterval(backPooled(mu - piHalf), backPooled(mu + piHalf)),
            Tau2 = tau2,
            I2 = 100 * tau2 / (tau2 + vtilde),
            H2 = (tau2 / vtilde) + 1,
            Q = q,
            QPValue = qp,
            Tau2Interval = new ConfidenceInterval(lowerTau, upperTau),
            StudyValue = [.. y.Select(backStudy)],
            StudyLower = [.. y.Select((yi, i) => backStudy(yi - (zStudy * Math.Sqrt(v[i])), i))],
            StudyUpper = [.. y.Select((yi, i) => backStudy(yi + (zStudy * Math.Sqrt(v[i])), i))],
            WeightPercent = [.. w.Select(x => 100 * x / wsum)],
            StudyEffect = [.. y],
            StudyVariance = [.. v],
            Level = options.Level,
            Converged = converged,
            Iterations = iterative ? 1 : 0,
            GradientNorm = gradient,
            ConvergenceNote = note,
        };
    }

    /// <summary>The Student t quantile (MathNet's inverse, refined by Newton on the exact CDF).</summary>
    private static double StudentTQuantile(double p, int df) => MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, df, p);
}
