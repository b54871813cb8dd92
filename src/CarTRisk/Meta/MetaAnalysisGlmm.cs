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

        // Candidates: the boundary τ² = 0 (the fixed-effect logistic model, MLE the pooled logit) and a damped Newton
        // ascent in (β, σ) with the analytic gradient of the quadrature likelihood from several starts (the likelihood
        // can have more than one mode); the highest verified point wins.
        double pooledP = x.Sum() / n.Sum();
        double b0 = Math.Log(pooledP / (1 - pooledP));
        double l0 = GlmmLogLik(x, n, b0, 0);
        double sDl = Math.Sqrt(Math.Max(plo.Tau2, 0));
        var starts = new List<(double B, double S)> { (plo.Estimate, Math.Max(sDl, 0.05)), (b0, 0.3), (b0, 1), (plo.Estimate, 2), (b0, 0.05) };
        double b = b0, sigma = 0, ll = l0;
        int iterations = 0;
        double gradientNorm = 0;
        bool converged = false;
        string? note = null;
        bool interiorFound = false;
        foreach (var (sb, ss) in starts)
        {
            var fit = GlmmNewton(x, n, sb, ss);
            iterations += fit.Iterations;
            if (fit.Converged && fit.Sigma > 1e-6 && fit.LogLik > ll + (1e-12 * Math.Abs(ll)))
            {
                (b, sigma, ll, gradientNorm) = (fit.Beta, fit.Sigma, fit.LogLik, fit.GradientNorm);
                interiorFound = true;
                converged = true;
            }
        }

        if (!interiorFound)
        {
            // KKT at τ² = 0: ∂ℓ/∂τ² ≤ 0 there, i.e. ℓ does not rise along σ from the boundary point
            b = b0;
            ll = l0;
            double rise = GlmmLogLik(x, n, b0, 1e-3) - l0;
            converged = rise <= 1e-9 * Math.Max(1, Math.Abs(l0));
            gradientNorm = Math.Abs(GlmmBoundaryScore(x, n, b0));
            note = converged ? "tau2 = 0" : "no interior maximum was verified, yet the likelihood rises from tau2 = 0";
        }

        double tau2 = sigma * sigma;
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
            var hs = GlmmHessian(x, n, b, sigma);
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
            Converged = converged,
            Iterations = iterations,
            GradientNorm = gradientNorm,
            ConvergenceNote = note,
        };
    }

    /// <summary>Σ_i log ∫ Bin(x_i | n_i, expit(β + u)) φ(u; 0, σ²) du by 7-point adaptive Gauss-Hermite quadrature
    /// (binomial coefficients left out: a constant); at σ = 0 the binomial log-likelihood at expit(β).</summary>
    internal static double GlmmLogLik(double[] x, double[] n, double beta, double sigma) => GlmmEvaluate(x, n, beta, sigma, null);

    /// <summary>Σ_i (x_i − n_i p), p = expit(β): ∂ℓ/∂β at σ = 0.</summary>
    private static double GlmmBoundaryScore(double[] x, double[] n, double beta)
    {
        double p = 1 / (1 + Math.Exp(-beta)), s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] - (n[i] * p);
        }

        return s;
    }

    /// <summary>The quadrature log-likelihood and, when <paramref name="grad"/> is given, its exact gradient in (β, σ):
    /// with h(u) = x(β + u) − n log(1 + e^(β+u)) − u²/(2σ²) − ½log(2πσ²), mode m (h'(m) = 0), s = (−h''(m))^(−1/2) and
    /// nodes u_j = m + √2 s z_j, ℓ_i = log(√2 s) + log Σ_j w_j exp(h(u_j) + z_j²); so dℓ_i/dθ = (ds/dθ)/s +
    /// Σ_j π_j [∂h/∂θ(u_j) + h'(u_j)(dm/dθ + √2 z_j ds/dθ)], π_j the normalised terms, dm/dθ = −(∂h'/∂θ)/h''(m) and
    /// ds/dθ = s³(h'''(m) dm/dθ + ∂h''/∂θ)/2 (implicit differentiation of the mode and the curvature).</summary>
    private static double GlmmEvaluate(double[] x, double[] n, double beta, double sigma, double[]? grad, double[]? modes = null)
    {
        if (grad is not null)
        {
            grad[0] = grad[1] = 0;
        }

        if (!double.IsFinite(beta) || !double.IsFinite(sigma))
        {
            return double.NegativeInfinity;
        }

        double sign = sigma < 0 ? -1 : 1;
        sigma = Math.Abs(sigma);   // the likelihood is even in σ
        double total = 0;
        if (sigma == 0)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double log1pe = beta > 0 ? beta + Elementary.Log1P(Math.Exp(-beta)) : Elementary.Log1P(Math.Exp(beta));
                total += (x[i] * beta) - (n[i] * log1pe);
            }

            if (grad is not null)
            {
                grad[0] = GlmmBoundaryScore(x, n, beta);
            }

            return total;
        }

        double s2 = sigma * sigma, s3 = s2 * sigma;
        Span<double> terms = stackalloc double[GhNodes.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i], ni = n[i];
            double H(double u)
            {
                double eta = beta + u;
                double log1pe = eta > 0 ? eta + Elementary.Log1P(Math.Exp(-eta)) : Elementary.Log1P(Math.Exp(eta));
                return (xi * eta) - (ni * log1pe) - (u * u / (2 * s2)) - (0.5 * Math.Log(2 * Math.PI * s2));
            }

            // conditional mode: h' is strictly decreasing and changes sign in [σ²(x − n), σ²x]; safeguarded Newton
            // (a step leaving the bracket bisects it instead), so it converges from any β and σ
            double lo = s2 * (xi - ni), hi = s2 * xi;
            // from the mode of the previous evaluation when one is kept (an ascent evaluates nearby points in turn)
            double mode = Math.Clamp(modes is null ? 0 : modes[i], lo, hi);
            for (int it = 0; it < 500; it++)
            {
                double p = 1 / (1 + Math.Exp(-(beta + mode)));
                double d1 = xi - (ni * p) - (mode / s2);
                if (d1 > 0)
                {
                    lo = mode;
                }
                else if (d1 < 0)
                {
                    hi = mode;
                }
                else
                {
                    break;
                }

                double d2 = -(ni * p * (1 - p)) - (1 / s2);
                double next = mode - (d1 / d2);
                if (!(next > lo && next < hi))
                {
                    next = lo + ((hi - lo) / 2);
                }

                double step = next - mode;
                mode = next;
                if (Math.Abs(step) <= 1e-15 * Math.Max(1, Math.Abs(mode)) || hi - lo <= 1e-15 * Math.Max(1, Math.Abs(mode)))
                {
                    break;
                }
            }

            if (modes is not null)
            {
                modes[i] = mode;
            }

            double pm = 1 / (1 + Math.Exp(-(beta + mode)));
            double h2 = -(ni * pm * (1 - pm)) - (1 / s2);
            double scale = 1 / Math.Sqrt(-h2);
            double hm = H(mode);
            double sum = 0;
            for (int j = 0; j < GhNodes.Length; j++)
            {
                double u = mode + (Math.Sqrt(2) * scale * GhNodes[j]);
                terms[j] = GhWeights[j] * Math.Exp(H(u) - hm + (GhNodes[j] * GhNodes[j]));
                sum += terms[j];
            }

            total += hm + Math.Log(Math.Sqrt(2) * scale * sum);
            if (grad is not null)
            {
                double h3 = -ni * pm * (1 - pm) * (1 - (2 * pm));
                double s3c = scale * scale * scale;

                // β: ∂h'/∂β = −n p(1 − p), ∂h''/∂β = h'''(m)
                double dmB = -(-ni * pm * (1 - pm)) / h2;
                double dsB = s3c * ((h3 * dmB) + h3) / 2;

                // σ: ∂h'/∂σ = 2u/σ³, ∂h''/∂σ = 2/σ³
                double dmS = -(2 * mode / s3) / h2;
                double dsS = s3c * ((h3 * dmS) + (2 / s3)) / 2;
                double gB = dsB / scale, gS = dsS / scale;
                for (int j = 0; j < GhNodes.Length; j++)
                {
                    double pi = terms[j] / sum;
                    double u = mode + (Math.Sqrt(2) * scale * GhNodes[j]);
                    double p = 1 / (1 + Math.Exp(-(beta + u)));
                    double hu = xi - (ni * p) - (u / s2);
                    gB += pi * ((xi - (ni * p)) + (hu * (dmB + (Math.Sqrt(2) * GhNodes[j] * dsB))));
                    gS += pi * (((u * u / s3) - (1 / sigma)) + (hu * (dmS + (Math.Sqrt(2) * GhNodes[j] * dsS))));
                }

                grad[0] += gB;
                grad[1] += sign * gS;
            }
        }

        return total;
    }

    /// <summary>The Hessian in (β, σ) by central differences of the exact gradient (step 1e-5 relative), or, inside the
    /// ascent (<paramref name="gradient"/> given: the exact gradient at the point), by forward differences: half the
    /// evaluations, and only the step's direction depends on it (convergence is judged on the exact gradient).</summary>
    private static double[] GlmmHessian(double[] x, double[] n, double beta, double sigma, double[]? modes = null, double[]? gradient = null)
    {
        double hb = 1e-5 * Math.Max(1, Math.Abs(beta)), hs = 1e-5 * Math.Max(1e-2, Math.Abs(sigma));
        var gp = new double[2];
        var gm = new double[2];
        if (gradient is not null)
        {
            GlmmEvaluate(x, n, beta + hb, sigma, gp, modes);
            double fbb = (gp[0] - gradient[0]) / hb, fsb = (gp[1] - gradient[1]) / hb;
            GlmmEvaluate(x, n, beta, sigma + hs, gm, modes);
            double fss = (gm[1] - gradient[1]) / hs, fbs = (gm[0] - gradient[0]) / hs;
            double off = (fsb + fbs) / 2;
            return [fbb, off, off, fss];
        }

        GlmmEvaluate(x, n, beta + hb, sigma, gp, modes);
        GlmmEvaluate(x, n, beta - hb, sigma, gm, modes);
        double hbb = (gp[0] - gm[0]) / (2 * hb), hsb1 = (gp[1] - gm[1]) / (2 * hb);
        GlmmEvaluate(x, n, beta, sigma + hs, gp, modes);
        GlmmEvaluate(x, n, beta, sigma - hs, gm, modes);
        double hss = (gp[1] - gm[1]) / (2 * hs), hbs1 = (gp[0] - gm[0]) / (2 * hs);
        double hbs = (hsb1 + hbs1) / 2;
        return [hbb, hbs, hbs, hss];
    }

    /// <summary>Damped Newton (Levenberg-Marquardt) ascent in (β, σ) with the exact gradient; accepts only increases;
    /// converged when the Newton decrement gᵀ(−H)⁻¹g is below 1e-22·max(1, |ℓ|) (or, where rounding stops
    /// progress, 1e-16) with a negative definite Hessian.</summary>
    private static (double Beta, double Sigma, double LogLik, bool Converged, int Iterations, double GradientNorm) GlmmNewton(
        double[] x, double[] n, double beta, double sigma)
    {
        var g = new double[2];
        var modes = new double[x.Length];
        double l = GlmmEvaluate(x, n, beta, sigma, g, modes);
        double lambda = 0;
        if (!double.IsFinite(l))
        {
            return (beta, sigma, l, false, 0, double.NaN);
        }

        for (int iter = 1; iter <= 200; iter++)
        {
            var h = GlmmHessian(x, n, beta, sigma, modes, g);
            double a0 = -h[0], b0 = -h[1], c0 = -h[3];
            bool concave = a0 > 0 && ((a0 * c0) - (b0 * b0)) > 0;
            double dec = concave ? ((c0 * g[0] * g[0]) - (2 * b0 * g[0] * g[1]) + (a0 * g[1] * g[1])) / ((a0 * c0) - (b0 * b0)) : double.PositiveInfinity;
            double gmax = Math.Max(Math.Abs(g[0]), Math.Abs(g[1]));
            if (dec <= 1e-22 * Math.Max(1, Math.Abs(l)))
            {
                return (beta, Math.Abs(sigma), l, true, iter, gmax);
            }

            if (Math.Abs(sigma) < 1e-7)
            {
                return (beta, Math.Abs(sigma), l, false, iter, gmax);
            }

            bool accepted = false;
            var gn = new double[2];
            for (int tries = 0; tries < 80 && !accepted; tries++)
            {
                double a = a0 + lambda, c = c0 + lambda, det = (a * c) - (b0 * b0);
                if (!(a > 0 && det > 0))
                {
                    lambda = Math.Max(2 * lambda, Math.Max(1e-8, Math.Abs(h[0]) + Math.Abs(h[3]) + (2 * Math.Abs(b0))));
                    continue;
                }

                double s0 = ((c * g[0]) - (b0 * g[1])) / det, s1 = ((a * g[1]) - (b0 * g[0])) / det;
                double len = Math.Sqrt((s0 * s0) + (s1 * s1));
                if (len > 1)
                {
                    s0 /= len;
                    s1 /= len;
                }

                double ln = GlmmEvaluate(x, n, beta + s0, sigma + s1, gn, modes);
                // near the maximum ℓ stops changing in its last bits: there a step counts as progress when it does not
                // lower ℓ beyond rounding and shrinks the score
                bool flatBetter = ln >= l - (4e-16 * Math.Abs(l)) && Math.Max(Math.Abs(gn[0]), Math.Abs(gn[1])) < 0.5 * gmax;
                if (double.IsFinite(ln) && (ln > l || flatBetter))
                {
                    beta += s0;
                    sigma += s1;
                    l = ln;
                    (g[0], g[1]) = (gn[0], gn[1]);
                    lambda = lambda < 1e-10 ? 0 : lambda / 10;
                    accepted = true;
                }
                else
                {
                    lambda = Math.Max(10 * lambda, 1e-6 * (1 + Math.Abs(h[0]) + Math.Abs(h[3])));
                }
            }

            if (!accepted)
            {
                // no step improves: a maximum to rounding when the decrement is negligible (1e-16: the estimate is
                // within 1e-8 standard errors of the maximum)
                return (beta, Math.Abs(sigma), l, concave && dec <= 1e-16, iter, gmax);
            }
        }

        return (beta, Math.Abs(sigma), l, false, 200, Math.Max(Math.Abs(g[0]), Math.Abs(g[1])));
    }
}
