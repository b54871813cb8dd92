using CarTRisk.Numerics;

namespace CarTRisk;

/// <content>The binomial-normal GLMM.</content>
public static partial class MetaAnalysis
{
    private static readonly double[] GhNodes = [-2.6519613568352334, -1.6735516287674714, -0.8162878828589647, 0, 0.8162878828589647, 1.6735516287674714, 2.6519613568352334];
    private static readonly double[] GhWeights = [0.0009717812450995192, 0.05451558281912703, 0.4256072526101278, 0.8102646175568073, 0.4256072526101278, 0.05451558281912703, 0.0009717812450995192];

    /// <summary>The binomial-normal random-effects model, = <c>rma.glmm(measure = "PLO", xi, ni)</c> (lme4's glmer with
    /// nAGQ = 7), but at the true maximum of its likelihood: x_i ~ Bin(n_i, expit(β + u_i)), u_i ~ N(0, τ²), each study's
    /// integral by 7-point adaptive Gauss-Hermite quadrature centred at its conditional mode with scale 1/√(−h''). The
    /// estimate is maximised to a vanishing gradient (rma.glmm's optimiser stops about 1e-5 short).</summary>
    /// <param name="events">Events per study.</param>
    /// <param name="totals">Sizes.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The result: Estimate, StdErr (from the inverse Hessian in (β, σ)), Pooled and intervals on the proportion
    /// scale (prediction interval β ∓ z√(τ² + se²)), Tau2, I² and H² with ṽ from the PLO sampling variances, Q = rma.glmm's
    /// likelihood-ratio QE.LRT; Tau2Interval is (NaN, NaN) and WeightPercent empty (metafor has neither for rma.glmm);
    /// the study arrays are the PLO escalc values.</returns>
    /// <exception cref="ArgumentException">Fewer than two studies, lengths differ, or every study has 0 % or every 100 %.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count (index named) or level.</exception>
    public static MetaAnalysisResult ProportionsGlmm(ReadOnlySpan<int> events, ReadOnlySpan<int> totals, double level = 0.95)
    {
        var plo = Proportions(events, totals, MetaAnalysisOptions.Default with { Measure = MetaMeasure.Logit, Method = Tau2Estimator.DerSimonianLaird, Level = level });
        var x = events.ToArray().Select(v => (double)v).ToArray();
        var n = totals.ToArray().Select(v => (double)v).ToArray();
        if (x.Sum() == 0 || x.Sum() == n.Sum())
        {
            throw new ArgumentException("every study has 0 % (or every 100 %) events: the logit model has no finite estimate.", nameof(events));
        }

        double Ll(double beta, double logSigma) => GlmmLogLik(x, n, beta, Math.Exp(logSigma));

        // start from the normal-normal (DL) fit, then Newton with a numerical Hessian and step halving
        double b = plo.Estimate, ls = 0.5 * Math.Log(Math.Max(plo.Tau2, 0.01));
        double ll = Ll(b, ls);
        for (int iter = 0; iter < 200; iter++)
        {
            var (g, h) = GradHess(Ll, b, ls);
            double det = (h[0] * h[3]) - (h[1] * h[2]);
            double s0, s1;
            if (h[0] < 0 && det > 0)
            {
                s0 = -((h[3] * g[0]) - (h[1] * g[1])) / det;
                s1 = -((h[0] * g[1]) - (h[2] * g[0])) / det;
            }
            else
            {
                s0 = 0.1 * g[0];
                s1 = 0.1 * g[1];
            }

            s1 = Math.Clamp(s1, -2, 2);
            double nb = b + s0, nls = ls + s1, nll = Ll(nb, nls);
            int halvings = 0;
            while ((!double.IsFinite(nll) || nll < ll - (1e-13 * Math.Abs(ll))) && halvings < 60)
            {
                s0 /= 2;
                s1 /= 2;
                nb = b + s0;
                nls = ls + s1;
                nll = Ll(nb, nls);
                halvings++;
            }

            bool done = Math.Abs(s0) < 1e-12 && Math.Abs(s1) < 1e-12;
            b = nb;
            ls = nls;
            ll = nll;
            if (done || ls < -20)
            {
                break;
            }

            if (ls < -15)
            {
                // τ² heading to 0: at the boundary the maximum over β is the pooled logit (no heterogeneity)
                double pooled = x.Sum() / n.Sum();
                if (Ll(Math.Log(pooled / (1 - pooled)), -30) >= ll - (1e-12 * Math.Abs(ll)))
                {
                    b = Math.Log(pooled / (1 - pooled));
                    ls = -30;
                    ll = Ll(b, ls);
                    break;
                }
            }
        }

        double sigma = Math.Exp(ls), tau2 = sigma * sigma;
        if (sigma < 1e-4)
        {
            // the maximum is on the boundary τ² = 0: the fixed-effect logistic model, whose MLE is the pooled logit
            double pooled = x.Sum() / n.Sum();
            b = Math.Log(pooled / (1 - pooled));
            tau2 = 0;
        }
        // se of β from the inverse Hessian in (β, σ) (the β block does not depend on σ's parametrisation)
        double se;
        if (tau2 == 0)
        {
            // boundary: no heterogeneity, the fixed-effect logistic model: var(β) = 1/Σ n p(1 − p) at p = expit(β)
            double pb = 1 / (1 + Math.Exp(-b));
            se = 1 / Math.Sqrt(n.Sum() * pb * (1 - pb));
        }
        else
        {
            var (_, hs) = GradHess((bb, ss) => GlmmLogLik(x, n, bb, ss), b, sigma);
            double dt = (hs[0] * hs[3]) - (hs[1] * hs[2]);
            se = Math.Sqrt(-hs[3] / dt);
        }
        double z = Distributions.NormalQuantile((1 + level) / 2);
        double Expit(double v) => 1 / (1 + Math.Exp(-v));
        int k = x.Length;
        double vtilde = TypicalVariance(plo.StudyVariance);
        double pbar = x.Sum() / n.Sum(), qlrt = 0;
        for (int i = 0; i < k; i++)
        {
            double p = x[i] / n[i];
            qlrt += (x[i] > 0 ? x[i] * Math.Log(p / pbar) : 0) + (n[i] - x[i] > 0 ? (n[i] - x[i]) * Math.Log((1 - p) / (1 - pbar)) : 0);
        }

        qlrt *= 2;
        double pi = z * Math.Sqrt(tau2 + (se * se));
        return plo with
        {
            Estimate = b,
            StdErr = se,
            Pooled = Expit(b),
            Interval = new ConfidenceInterval(Expit(b - (z * se)), Expit(b + (z * se))),
            PredictionInterval = new ConfidenceInterval(Expit(b - pi), Expit(b + pi)),
            Tau2 = tau2,
            I2 = 100 * tau2 / (tau2 + vtilde),
            H2 = (tau2 / vtilde) + 1,
            Q = qlrt,
            QPValue = Distributions.GammaTail((k - 1) / 2.0, qlrt / 2, upper: true),
            Tau2Interval = new ConfidenceInterval(double.NaN, double.NaN),
            WeightPercent = [],
        };
    }

    /// <summary>Σ_i log ∫ Bin(x_i | n_i, expit(β + u)) φ(u; 0, σ²) du by 7-point adaptive Gauss-Hermite quadrature
    /// (binomial coefficients left out: a constant).</summary>
    internal static double GlmmLogLik(double[] x, double[] n, double beta, double sigma)
    {
        if (!(sigma > 0) || !double.IsFinite(beta))
        {
            return double.NegativeInfinity;
        }

        double s2 = sigma * sigma, total = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double H(double u)
            {
                double eta = beta + u;
                double log1pe = eta > 0 ? eta + Elementary.Log1P(Math.Exp(-eta)) : Elementary.Log1P(Math.Exp(eta));
                return (x[i] * eta) - (n[i] * log1pe) - (u * u / (2 * s2)) - (0.5 * Math.Log(2 * Math.PI * s2));
            }

            // conditional mode by Newton (h is strictly concave)
            double mode = 0;
            double curvature = 0;
            for (int it = 0; it < 100; it++)
            {
                double p = 1 / (1 + Math.Exp(-(beta + mode)));
                double d1 = x[i] - (n[i] * p) - (mode / s2);
                curvature = -(n[i] * p * (1 - p)) - (1 / s2);
                double step = -d1 / curvature;
                mode += step;
                if (Math.Abs(step) < 1e-15 * Math.Max(1, Math.Abs(mode)))
                {
                    break;
                }
            }

            double pm = 1 / (1 + Math.Exp(-(beta + mode)));
            curvature = -(n[i] * pm * (1 - pm)) - (1 / s2);
            double scale = 1 / Math.Sqrt(-curvature);
            double hm = H(mode);
            double sum = 0;
            for (int j = 0; j < GhNodes.Length; j++)
            {
                double u = mode + (Math.Sqrt(2) * scale * GhNodes[j]);
                sum += GhWeights[j] * Math.Exp(H(u) - hm + (GhNodes[j] * GhNodes[j]));
            }

            total += hm + Math.Log(Math.Sqrt(2) * scale * sum);
        }

        return total;
    }

    /// <summary>Central-difference gradient and Hessian of a smooth function of two variables.</summary>
    private static (double[] G, double[] H) GradHess(Func<double, double, double> f, double a, double b)
    {
        double ha = 1e-4 * Math.Max(1, Math.Abs(a)), hb = 1e-4 * Math.Max(1, Math.Abs(b));
        double f0 = f(a, b);
        double fpa = f(a + ha, b), fma = f(a - ha, b), fpb = f(a, b + hb), fmb = f(a, b - hb);
        double fpp = f(a + ha, b + hb), fpm = f(a + ha, b - hb), fmp = f(a - ha, b + hb), fmm = f(a - ha, b - hb);
        double[] g = [(fpa - fma) / (2 * ha), (fpb - fmb) / (2 * hb)];
        double haa = (fpa - (2 * f0) + fma) / (ha * ha);
        double hbb = (fpb - (2 * f0) + fmb) / (hb * hb);
        double hab = (fpp - fpm - fmp + fmm) / (4 * ha * hb);
        return (g, [haa, hab, hab, hbb]);
    }
}
