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
                return Root(t =>
                {
                    var (mu, _, _) = Weighted(y, v, t);
                    double s = 0;
                    for (int i = 0; i < k; i++)
                    {
                        double w = 1 / (v[i] + t), d = y[i] - mu;
                        s += (w * w * d * d) - w;
                    }

                    return s;
                }, meanV);

            case Tau2Estimator.Reml:
                return Root(t =>
                {
                    var (mu, sw, _) = Weighted(y, v, t);
                    double s = 0, sw2 = 0;
                    for (int i = 0; i < k; i++)
                    {
                        double w = 1 / (v[i] + t), d = y[i] - mu;
                        s += (w * w * d * d) - w;
                        sw2 += w * w;
                    }

                    return s + (sw2 / sw);
                }, meanV);

            case Tau2Estimator.PauleMandel:
            case Tau2Estimator.EmpiricalBayes:
                return Root(t => Weighted(y, v, t).Qgen - (k - 1), meanV);

            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "not a defined Tau2Estimator.");
        }
    }

    private static MetaAnalysisResult Fit(double[] y, double[] v, MetaAnalysisOptions options, Func<double, double> backPooled,
        Func<double, int, double> backStudy)
    {
        int k = y.Length;
        Guard.Level(options.Level, "options.Level");
        double tau2 = Tau2(y, v, options.Method);
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
        };
    }

    /// <summary>The Student t quantile (MathNet's inverse, refined by Newton on the exact CDF).</summary>
    private static double StudentTQuantile(double p, int df) => MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, df, p);
}
