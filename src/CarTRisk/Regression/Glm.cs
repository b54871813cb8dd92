using System.Collections.Immutable;
using System.Globalization;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>The family of a generalized linear model, each with its canonical link.</summary>
public enum GlmFamily
{
    /// <summary>Binomial with the logit link (= <c>binomial()</c>): y a 0/1 outcome or a proportion of
    /// <see cref="GlmOptions.Weights"/> trials.</summary>
    Binomial,

    /// <summary>Poisson with the log link (= <c>poisson()</c>): y a count, the offset log person-time.</summary>
    Poisson,
}

/// <summary>Options of <see cref="Glm.Fit"/>.</summary>
public sealed record GlmOptions
{
    /// <summary>No weights, no offset, 95% intervals, an intercept.</summary>
    public static GlmOptions Default { get; } = new();

    /// <summary>Prior weights, ≥ 0 and finite (= glm's <c>weights</c>; binomial: the number of trials when y is a
    /// proportion). A zero weight leaves the record out of the fit and of the residual degrees of freedom, as R.</summary>
    public double[]? Weights { get; init; }

    /// <summary>A known term added to the linear predictor (= glm's <c>offset</c>; Poisson: log person-time).</summary>
    public double[]? Offset { get; init; }

    /// <summary>The confidence level of the Wald intervals (= <c>confint.default(fit, level)</c>); 0.95.</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>Whether the model has an intercept (= R's default formula; <c>- 1</c> when false); true.</summary>
    public bool Intercept { get; init; } = true;

    /// <summary>The most IRLS (Newton) iterations; 100.</summary>
    public int MaxIterations { get; init; } = 100;
}

/// <summary>Generalized linear models by iteratively reweighted least squares (= R's <c>glm</c>).</summary>
public static class Glm
{
    /// <summary>Fits a binomial-logit or Poisson-log model (= <c>glm(y ~ x, family, weights, offset,
    /// control = glm.control(epsilon = 1e-14, maxit = 100))</c>). Each iteration is the Newton step of the canonical link,
    /// β ← (XᵀWX)⁻¹XᵀWz with W = w·μ'(η)²/V(μ) and z = η − offset + (y − μ)/μ'(η), with R's clamped links (logit:
    /// |η| &gt; 30 → μ'(η) = ε; log: μ ≥ ε); the columns are centred and scaled inside (the estimates are invariant, the
    /// normal equations better conditioned); a step that raises the deviance or makes it non-finite is halved. It stops
    /// when |D − D_old| / (|D| + 0.1) &lt; 1e-14 (glm's rule) and then verifies the optimum: <see cref="GlmModel.Converged"/>
    /// needs the Newton decrement UᵀV U to be below 1e-10·(|D| + 1e-10·Σw) and no fitted value numerically 0 or 1.</summary>
    /// <param name="covariates">The design matrix (without the intercept column).</param>
    /// <param name="response">y: binomial in [0, 1] (a proportion of the prior weight); Poisson ≥ 0.</param>
    /// <param name="family">The family.</param>
    /// <param name="options">Weights, offset, level, intercept; null = <see cref="GlmOptions.Default"/>.</param>
    /// <returns>The fit; its <see cref="GlmModel.Converged"/> says whether it is at a finite optimum.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="covariates"/> is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ; a response, weight or offset is not finite or out of range
    /// (index named); every weight is 0; a term is a linear combination of earlier ones (R would give it an NA
    /// coefficient: the message names it).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Level outside (0, 1) or MaxIterations &lt; 1.</exception>
    public static GlmModel Fit(DesignMatrix covariates, ReadOnlySpan<double> response, GlmFamily family, GlmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        options ??= GlmOptions.Default;
        int n = covariates.Rows;
        var columns = new double[covariates.Columns][];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = covariates.Column(j);
        }

        return GlmFitter.Fit(columns, [.. covariates.Terms], response, family, options, n);
    }
}

/// <summary>A fitted generalized linear model (= R's <c>glm</c> object and its summary).</summary>
public sealed class GlmModel
{
    internal GlmModel()
    {
    }

    /// <summary>The family.</summary>
    public GlmFamily Family { get; internal init; }

    /// <summary>The term names, "(Intercept)" first when the model has one (= <c>names(coef(fit))</c>).</summary>
    public ImmutableArray<string> Terms { get; internal init; }

    /// <summary>β̂ (= <c>coef(fit)</c>).</summary>
    public ImmutableArray<double> Coefficients { get; internal init; }

    /// <summary>Standard errors sqrt(diag(V)) (= <c>summary(fit)$coefficients[, 2]</c>; dispersion 1).</summary>
    public ImmutableArray<double> StdErr { get; internal init; }

    /// <summary>β̂/se (= the z value column).</summary>
    public ImmutableArray<double> Z { get; internal init; }

    /// <summary>2Φ(−|z|) (= <c>Pr(&gt;|z|)</c>).</summary>
    public ImmutableArray<double> PValue { get; internal init; }

    /// <summary>β̂ − z₁₋α/₂·se (= <c>confint.default(fit)[, 1]</c>).</summary>
    public ImmutableArray<double> Lower { get; internal init; }

    /// <summary>β̂ + z₁₋α/₂·se.</summary>
    public ImmutableArray<double> Upper { get; internal init; }

    /// <summary>V = (XᵀWX)⁻¹, p × p row-major (= <c>vcov(fit)</c>).</summary>
    public ImmutableArray<double> Variance { get; internal init; }

    /// <summary>The residual deviance Σ wᵢ dᵢ (= <c>deviance(fit)</c>).</summary>
    public double Deviance { get; internal init; }

    /// <summary>The deviance of the intercept-only model with the same offset (= <c>fit$null.deviance</c>; without an
    /// intercept, of μ = g⁻¹(offset)).</summary>
    public double NullDeviance { get; internal init; }

    /// <summary>−2ℓ + 2p (= <c>AIC(fit)</c>). Binomial: ℓ = Σ log dbinom(round(wᵢyᵢ), round(wᵢ), μᵢ) over wᵢ &gt; 0 (R rounds
    /// non-integer prior weights here); Poisson: Σ wᵢ log dpois(yᵢ, μᵢ) (−∞ for a non-integer count, as R).</summary>
    public double Aic { get; internal init; }

    /// <summary>ℓ (= <c>logLik(fit)</c>), with the rounding of <see cref="Aic"/>.</summary>
    public double LogLikelihood { get; internal init; }

    /// <summary>Records with a positive weight minus p (= <c>fit$df.residual</c>).</summary>
    public int DfResidual { get; internal init; }

    /// <summary>Records with a positive weight minus 1 with an intercept (= <c>fit$df.null</c>).</summary>
    public int DfNull { get; internal init; }

    /// <summary>μ̂ per record (= <c>fitted(fit)</c>).</summary>
    public ImmutableArray<double> FittedValues { get; internal init; }

    /// <summary>η̂ = Xβ̂ + offset per record (= <c>fit$linear.predictors</c>).</summary>
    public ImmutableArray<double> LinearPredictor { get; internal init; }

    /// <summary>Whether a fitted probability is numerically 0 or 1 (binomial; a fitted rate numerically 0, Poisson):
    /// glm's warning, &lt; 10ε or &gt; 1 − 10ε. The likelihood then may have no finite maximum (separation); such a fit
    /// has <see cref="Converged"/> false.</summary>
    public bool PossiblySeparated { get; internal init; }

    /// <summary>True only at a verified finite optimum (Newton decrement ~0, no separation, before the iteration cap).</summary>
    public bool Converged { get; internal init; }

    /// <summary>IRLS iterations (= <c>fit$iter</c>).</summary>
    public int Iterations { get; internal init; }

    /// <summary>max |Uⱼ|, the score Xᵀw(y − μ) at β̂ on the scale of the given columns.</summary>
    public double GradientNorm { get; internal init; }

    /// <summary>Why not converged (iteration cap, separation); null when converged.</summary>
    public string? ConvergenceNote { get; internal init; }

    /// <summary>The confidence level of <see cref="Lower"/> and <see cref="Upper"/>.</summary>
    public double Level { get; internal init; }

    /// <summary>Records in the fit (rows, including zero weights).</summary>
    public int Observations { get; internal init; }

    internal bool HasIntercept { get; init; }

    /// <summary>Predicted means on the response scale (= <c>predict(fit, newdata, type = "response")</c>).</summary>
    /// <param name="newdata">Rows with the same terms (without the intercept) in the same order.</param>
    /// <param name="offset">The offset per row; empty = 0.</param>
    /// <returns>g⁻¹(x β̂ + offset) per row, with R's clamped inverse links.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="newdata"/> is null.</exception>
    /// <exception cref="ArgumentException">The terms differ; the offset has the wrong length or a non-finite value.</exception>
    public double[] Predict(DesignMatrix newdata, ReadOnlySpan<double> offset = default)
    {
        ArgumentNullException.ThrowIfNull(newdata);
        int shift = HasIntercept ? 1 : 0;
        if (!newdata.Terms.SequenceEqual(Terms.Skip(shift)))
        {
            throw new ArgumentException($"newdata has terms [{string.Join(", ", newdata.Terms)}]; the model has [{string.Join(", ", Terms.Skip(shift))}].", nameof(newdata));
        }

        if (!offset.IsEmpty && offset.Length != newdata.Rows)
        {
            throw new ArgumentException($"offset has {offset.Length} values; newdata has {newdata.Rows} rows.", nameof(offset));
        }

        var result = new double[newdata.Rows];
        for (int i = 0; i < result.Length; i++)
        {
            double eta = HasIntercept ? Coefficients[0] : 0;
            if (!offset.IsEmpty)
            {
                if (!double.IsFinite(offset[i]))
                {
                    throw new ArgumentException($"offset[{i}] is {Guard.Show(offset[i])}.", nameof(offset));
                }

                eta += offset[i];
            }

            for (int j = 0; j < newdata.Columns; j++)
            {
                eta += Coefficients[j + shift] * newdata[i, j];
            }

            result[i] = GlmFitter.LinkInverse(Family, eta);
        }

        return result;
    }

    /// <summary>The coefficient table: term, estimate, SE, z, p, interval (and, for the canonical links, exp(β) as an odds
    /// or rate ratio). Estimates rest on the records; they are not counts.</summary>
    /// <returns>The table.</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string level = (Level * 100).ToString("0.####", c) + "% CI";
        string ratio = Family == GlmFamily.Binomial ? "Odds ratio" : "Rate ratio";
        var table = new ResultTable($"Generalized linear model ({(Family == GlmFamily.Binomial ? "binomial, logit" : "Poisson, log")})",
            "Term", "Estimate", "SE", "p", ratio, level)
        {
            Note = string.Create(c, $"= glm; deviance {Deviance:0.###} on {DfResidual} df, AIC {Aic:0.###}")
                + (PossiblySeparated ? "; fitted values numerically 0 or 1 (possible separation)" : "")
                + (Converged ? "" : "; WARNING: NOT CONVERGED: " + ConvergenceNote),
        };
        for (int j = 0; j < Terms.Length; j++)
        {
            table.AddRow(new TextCell(Terms[j]), new TextCell(Coefficients[j].ToString("0.####", c)), new TextCell(StdErr[j].ToString("0.####", c)),
                new TextCell(PValue[j].ToString("G3", c)), new TextCell(Math.Exp(Coefficients[j]).ToString("0.###", c)),
                new TextCell($"{Math.Exp(Lower[j]).ToString("0.###", c)} to {Math.Exp(Upper[j]).ToString("0.###", c)}"));
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText(DisclosurePolicy.Default);
}

/// <summary>The IRLS core of <see cref="Glm.Fit"/> over columns (also the intercept-only null model).</summary>
internal static class GlmFitter
{
    private const double Threshold = 30;
    private const double Eps = 2.220446049250313e-16;

    public static double LinkInverse(GlmFamily family, double eta)
    {
        if (family == GlmFamily.Poisson)
        {
            return Math.Max(Math.Exp(eta), Eps);
        }

        // R's logit_linkinv: exp(eta) clamped at eta = -30 -> eps and eta = 30 -> 1/eps
        double e = eta < -Threshold ? Eps : eta > Threshold ? 1 / Eps : Math.Exp(eta);
        return e / (1 + e);
    }

    private static double MuEta(GlmFamily family, double eta)
    {
        if (family == GlmFamily.Poisson)
        {
            return Math.Max(Math.Exp(eta), Eps);
        }

        if (eta > Threshold || eta < -Threshold)
        {
            return Eps;
        }

        double e = Math.Exp(eta);
        double o = 1 + e;
        return e / (o * o);
    }

    private static double Link(GlmFamily family, double mu) => family == GlmFamily.Poisson ? Math.Log(mu) : Math.Log(mu / (1 - mu));

    private static double YLogY(double y, double mu) => y != 0 ? y * Math.Log(y / mu) : 0;

    /// <summary>The unit deviance times its weight (= family$dev.resids).</summary>
    private static double UnitDeviance(GlmFamily family, double y, double mu, double w) => family == GlmFamily.Poisson
        ? 2 * (y > 0 ? w * ((y * Math.Log(y / mu)) - (y - mu)) : mu * w)
        : 2 * w * (YLogY(y, mu) + YLogY(1 - y, 1 - mu));

    public static GlmModel Fit(double[][] columns, string[] terms, ReadOnlySpan<double> response, GlmFamily family, GlmOptions options, int n, bool withNull = true)
    {
        if (options.Level is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Level, "Level must be in (0, 1).");
        }

        if (options.MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxIterations, "MaxIterations must be at least 1.");
        }

        if (response.Length != n)
        {
            throw new ArgumentException($"response has {response.Length} values; the design has {n} rows.", nameof(response));
        }

        var y = response.ToArray();
        var w = options.Weights ?? Enumerable.Repeat(1.0, n).ToArray();
        var offset = options.Offset;
        if (w.Length != n)
        {
            throw new ArgumentException($"Weights has {w.Length} values; the design has {n} rows.", nameof(options));
        }

        if (offset is not null && offset.Length != n)
        {
            throw new ArgumentException($"Offset has {offset.Length} values; the design has {n} rows.", nameof(options));
        }

        int used = 0;
        double weightSum = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(w[i]) || w[i] < 0)
            {
                throw new ArgumentException($"Weights[{i}] is {Guard.Show(w[i])}; prior weights must be finite and >= 0.", nameof(options));
            }

            if (offset is not null && !double.IsFinite(offset[i]))
            {
                throw new ArgumentException($"Offset[{i}] is {Guard.Show(offset[i])}.", nameof(options));
            }

            if (!double.IsFinite(y[i]) || y[i] < 0 || (family == GlmFamily.Binomial && y[i] > 1))
            {
                throw new ArgumentException(family == GlmFamily.Binomial
                    ? $"response[{i}] is {Guard.Show(y[i])}; binomial responses are in [0, 1] (a proportion of the weight)."
                    : $"response[{i}] is {Guard.Show(y[i])}; Poisson responses are finite counts >= 0.", nameof(response));
            }

            if (w[i] > 0)
            {
                used++;
                weightSum += w[i];
            }
        }

        if (used == 0)
        {
            throw new ArgumentException("every prior weight is 0: nothing to fit.", nameof(options));
        }

        if (family == GlmFamily.Binomial)
        {
            // as binomial()$initialize: a zero-weight record's y is taken as 0
            for (int i = 0; i < n; i++)
            {
                if (w[i] == 0)
                {
                    y[i] = 0;
                }
            }
        }

        bool intercept = options.Intercept;
        int q = columns.Length;
        int p = q + (intercept ? 1 : 0);
        var allTerms = intercept ? ["(Intercept)", .. terms] : terms;

        // centring (with an intercept) and scaling of the columns: the Newton systems are solved in these coordinates
        var centre = new double[q];
        var scale = new double[q];
        for (int j = 0; j < q; j++)
        {
            var col = columns[j];
            double m = 0;
            if (intercept)
            {
                for (int i = 0; i < n; i++)
                {
                    m += col[i];
                }

                m /= n;
            }

            double ss = 0;
            for (int i = 0; i < n; i++)
            {
                double d = col[i] - m;
                ss += d * d;
            }

            double s = Math.Sqrt(ss / n);
            centre[j] = m;
            scale[j] = s > 0 ? s : 1;
        }

        var core = new Core(family, columns, centre, scale, intercept, y, w, offset, n);
        CheckAliasing(core.CrossProduct(), p, allTerms, intercept);
        var eta = new double[n];
        var mu = new double[n];
        for (int i = 0; i < n; i++)
        {
            double start = family == GlmFamily.Poisson ? y[i] + 0.1 : ((w[i] * y[i]) + 0.5) / (w[i] + 1);
            if (family == GlmFamily.Binomial && !(start > 0 && start < 1))
            {
                // binomial()$initialize's mustart is 0 or 1 in floating point for huge weights: take it with the weight
                // in units of the mean weight (the optimum does not depend on the start)
                double wn = w[i] / (weightSum / used);
                start = ((wn * y[i]) + 0.5) / (wn + 1);
            }
            eta[i] = Link(family, start);
        }

        // the first step regresses the working response of the starting values (as glm.fit)
        var gamma = new double[p];
        double devOld = 0;
        for (int i = 0; i < n; i++)
        {
            devOld += UnitDeviance(family, y[i], LinkInverse(family, eta[i]), w[i]);
        }

        bool first = true;
        double[]? lastInfo = null;
        int iterations = 0;
        string? note = null;
        double deviance = double.NaN;
        for (int iter = 1; iter <= options.MaxIterations; iter++)
        {
            iterations = iter;
            var (a, b) = core.Normal(eta, first ? null : mu);
            lastInfo = a;
            var next = Solve(a, b, p);
            double dev = core.Evaluate(next, eta, mu);
            int halvings = 0;
            while ((!double.IsFinite(dev) || (!first && dev > devOld * (1 + 1e-13))) && halvings < 60)
            {
                for (int j = 0; j < p; j++)
                {
                    next[j] = (next[j] + gamma[j]) / 2;
                }

                dev = core.Evaluate(next, eta, mu);
                halvings++;
            }

            if (!double.IsFinite(dev))
            {
                note = "the deviance is not finite at any step from the starting values";
                break;
            }

            bool same = !first && next.AsSpan().SequenceEqual(gamma);
            gamma = next;
            deviance = dev;
            // glm's rule |D - D_old| / (|D| + 0.1) < 1e-14, with the 0.1 in units of the mean prior weight (identical
            // for unit weights; weights of 1e-300 then converge as weights of 1 do)
            if (Math.Abs(dev - devOld) / (Math.Abs(dev) + (0.1 * weightSum / n)) < 1e-14 || same)
            {
                break;
            }

            devOld = dev;
            first = false;
            if (iter == options.MaxIterations)
            {
                note = $"the iteration limit ({options.MaxIterations}) was reached";
            }
        }

        // final information and score at the returned point
        // the variance is glm's: the inverse of the weighted cross-product of the last iteration (its weights are those
        // of the point before the final update, as fit$qr); the check of the optimum uses the returned point
        var (infoFinal, _) = core.Normal(eta, mu);
        var score = core.Score(mu);
        var inverse = Cholesky.Inverse(lastInfo ?? infoFinal, p);
        var inverseFinal = Cholesky.Inverse(infoFinal, p);
        double decrement = double.PositiveInfinity;
        if (inverseFinal is not null)
        {
            decrement = 0;
            for (int r = 0; r < p; r++)
            {
                for (int c = 0; c < p; c++)
                {
                    decrement += score[r] * inverseFinal[(r * p) + c] * score[c];
                }
            }
        }

        bool separated = false;
        double sepEps = 10 * Eps;
        for (int i = 0; i < n; i++)
        {
            if (mu[i] < sepEps || (family == GlmFamily.Binomial && mu[i] > 1 - sepEps))
            {
                separated = true;
                break;
            }
        }

        // back to the given columns: beta_j = gamma_j / s_j; intercept = gamma_0 - sum gamma_j m_j / s_j
        var t = new double[p * p];
        for (int j = 0; j < q; j++)
        {
            int k = j + (intercept ? 1 : 0);
            t[(k * p) + k] = 1 / scale[j];
            if (intercept)
            {
                t[k] = -centre[j] / scale[j];
            }
        }

        if (intercept)
        {
            t[0] = 1;
        }

        var beta = new double[p];
        for (int r = 0; r < p; r++)
        {
            for (int c = 0; c < p; c++)
            {
                beta[r] += t[(r * p) + c] * gamma[c];
            }
        }

        var variance = new double[p * p];
        if (inverse is not null)
        {
            var tv = new double[p * p];
            for (int r = 0; r < p; r++)
            {
                for (int c = 0; c < p; c++)
                {
                    double s = 0;
                    for (int k = 0; k < p; k++)
                    {
                        s += t[(r * p) + k] * inverse[(k * p) + c];
                    }

                    tv[(r * p) + c] = s;
                }
            }

            for (int r = 0; r < p; r++)
            {
                for (int c = 0; c < p; c++)
                {
                    double s = 0;
                    for (int k = 0; k < p; k++)
                    {
                        s += tv[(r * p) + k] * t[(c * p) + k];
                    }

                    variance[(r * p) + c] = s;
                }
            }

            for (int r = 0; r < p; r++)
            {
                for (int c = 0; c < r; c++)
                {
                    double s = (variance[(r * p) + c] + variance[(c * p) + r]) / 2;
                    variance[(r * p) + c] = s;
                    variance[(c * p) + r] = s;
                }
            }
        }
        else
        {
            Array.Fill(variance, double.NaN);
            note ??= "the information matrix is singular at the returned point";
        }

        // the score on the scale of the given columns: U_beta = T^-T U_gamma, i.e. U_j = s_j U_gamma_j + m_j U_0
        double gradient = 0;
        for (int j = 0; j < p; j++)
        {
            double u = score[j];
            if (j > 0 || !intercept)
            {
                int cj = j - (intercept ? 1 : 0);
                u = (score[j] * scale[cj]) + (intercept ? centre[cj] * score[0] : 0);
            }

            gradient = Math.Max(gradient, Math.Abs(u));
        }

        bool verified = decrement <= 1e-10 * (Math.Abs(deviance) + (1e-10 * weightSum));

        // a coefficient that moves the linear predictor by more than 25 across its covariate's range (odds or rate ratio
        // e^25) runs off to infinity: a level without events (Poisson) or a separating term (binomial); the likelihood is
        // flat there, so the decrement alone cannot tell
        var runaway = new List<string>();
        for (int j = 0; j < q; j++)
        {
            double least = double.PositiveInfinity, most = double.NegativeInfinity;
            foreach (double v in columns[j])
            {
                least = Math.Min(least, v);
                most = Math.Max(most, v);
            }

            if (Math.Abs(beta[j + (intercept ? 1 : 0)]) * (most - least) > 25)
            {
                runaway.Add(terms[j]);
            }
        }
        if (note is null && separated)
        {
            note = family == GlmFamily.Binomial
                ? "fitted probabilities numerically 0 or 1 occurred: the likelihood may have no finite maximum (separation); coefficients of the separating terms are not estimates"
                : "fitted rates numerically 0 occurred: the likelihood may have no finite maximum";
        }

        if (note is null && runaway.Count > 0)
        {
            note = $"the coefficient(s) of {string.Join(", ", runaway)} run off to infinity (a level without events, or a separating term): the likelihood has no finite maximum; the returned point is where it became flat";
        }

        if (note is null && !verified)
        {
            note = string.Create(CultureInfo.InvariantCulture, $"the Newton decrement at the returned point is {decrement:G3}, not ~0");
        }

        double nullDeviance = withNull ? NullDeviance(family, y, w, offset, intercept, n) : double.NaN;
        double logLik = LogLikelihood(family, y, w, mu, n);
        double z = Distributions.NormalQuantile(1 - ((1 - options.Level) / 2));
        var se = new double[p];
        var zs = new double[p];
        var pv = new double[p];
        var lo = new double[p];
        var hi = new double[p];
        for (int j = 0; j < p; j++)
        {
            se[j] = Math.Sqrt(variance[(j * p) + j]);
            zs[j] = beta[j] / se[j];
            pv[j] = 2 * Distributions.NormalTail(Math.Abs(zs[j]));
            lo[j] = beta[j] - (z * se[j]);
            hi[j] = beta[j] + (z * se[j]);
        }

        return new GlmModel
        {
            Family = family,
            Terms = [.. allTerms],
            Coefficients = [.. beta],
            StdErr = [.. se],
            Z = [.. zs],
            PValue = [.. pv],
            Lower = [.. lo],
            Upper = [.. hi],
            Variance = [.. variance],
            Deviance = deviance,
            NullDeviance = nullDeviance,
            LogLikelihood = logLik,
            Aic = (-2 * logLik) + (2 * p),
            DfResidual = used - p,
            DfNull = used - (intercept ? 1 : 0),
            FittedValues = [.. mu],
            LinearPredictor = [.. eta],
            PossiblySeparated = separated,
            Converged = note is null,
            Iterations = iterations,
            GradientNorm = gradient,
            ConvergenceNote = note,
            Level = options.Level,
            Observations = n,
            HasIntercept = intercept,
        };
    }

    /// <summary>An aliased column is a vanishing pivot of the prior-weighted cross-product of the centred, scaled columns
    /// (R's QR would give it an NA coefficient): refused with its name, once, before the iterations (where a pivot may
    /// shrink legitimately as fitted probabilities approach 0 or 1).</summary>
    private static void CheckAliasing(double[] a, int p, string[] terms, bool intercept) =>
        Factor(a, p, (i, pivot) =>
        {
            double diag = a[(i * p) + i];
            if (!(pivot > 1e-10 * diag) || !double.IsFinite(pivot))
            {
#pragma warning disable CA2208 // the argument named is the public one (Glm.Fit's covariates)
                throw new ArgumentException(intercept && i > 0 && diag > 0
                    ? $"term '{terms[i]}' is a linear combination of the terms before it (R's glm gives it an NA coefficient): drop it."
                    : $"term '{terms[i]}' is constant zero or a linear combination of the terms before it (R's glm gives it an NA coefficient): drop it.", "covariates");
#pragma warning restore CA2208
            }

            return Math.Sqrt(pivot);
        });

    /// <summary>The lower Cholesky factor of a row-major p x p matrix; <paramref name="root"/> turns each pivot into the
    /// diagonal entry (+infinity keeps that direction still: its column below is 0).</summary>
    private static double[] Factor(double[] a, int p, Func<int, double, double> root)
    {
        var m = (double[])a.Clone();
        for (int i = 0; i < p; i++)
        {
            double pivot = m[(i * p) + i];
            for (int k = 0; k < i; k++)
            {
                pivot -= m[(i * p) + k] * m[(i * p) + k];
            }

            double l = root(i, pivot);
            m[(i * p) + i] = l;
            for (int r = i + 1; r < p; r++)
            {
                double s = m[(r * p) + i];
                for (int k = 0; k < i; k++)
                {
                    s -= m[(r * p) + k] * m[(i * p) + k];
                }

                m[(r * p) + i] = double.IsPositiveInfinity(l) ? 0 : s / l;
            }
        }

        return m;
    }

    private static double[] Solve(double[] a, double[] b, int p)
    {
        // a pivot that is not positive (possible only under separation, all weight numerically 0): the step keeps that
        // direction still
        var m = Factor(a, p, (_, pivot) => pivot > 0 && double.IsFinite(pivot) ? Math.Sqrt(pivot) : double.PositiveInfinity);
        var x = (double[])b.Clone();
        for (int i = 0; i < p; i++)
        {
            double s = x[i];
            for (int k = 0; k < i; k++)
            {
                s -= m[(i * p) + k] * x[k];
            }

            x[i] = s / m[(i * p) + i];
        }

        for (int i = p - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < p; k++)
            {
                s -= m[(k * p) + i] * x[k];
            }

            x[i] = s / m[(i * p) + i];
        }

        return x;
    }

    private static double NullDeviance(GlmFamily family, double[] y, double[] w, double[]? offset, bool intercept, int n)
    {
        if (!intercept)
        {
            double d = 0;
            for (int i = 0; i < n; i++)
            {
                d += UnitDeviance(family, y[i], LinkInverse(family, offset?[i] ?? 0), w[i]);
            }

            return d;
        }

        if (offset is null)
        {
            double sw = 0;
            double swy = 0;
            for (int i = 0; i < n; i++)
            {
                sw += w[i];
                swy += w[i] * y[i];
            }

            double mu = swy / sw;
            double d = 0;
            for (int i = 0; i < n; i++)
            {
                d += UnitDeviance(family, y[i], mu, w[i]);
            }

            return d;
        }

        // glm refits the intercept-only model with the offset
        return Fit([], [], y, family, GlmOptions.Default with { Weights = w, Offset = offset }, n, withNull: false).Deviance;
    }

    private static double LogLikelihood(GlmFamily family, double[] y, double[] w, double[] mu, int n)
    {
        double ll = 0;
        for (int i = 0; i < n; i++)
        {
            if (w[i] <= 0)
            {
                continue;
            }

            if (family == GlmFamily.Poisson)
            {
                ll += w[i] * LogPoisson(y[i], mu[i]);
            }
            else
            {
                double size = Math.Round(w[i]);
                double x = Math.Round(w[i] * y[i]);
                ll += LogBinomial(x, size, mu[i]);
            }
        }

        return ll;
    }

    /// <summary>log dpois(x, λ) as R's dpois_raw (Loader's saddle point); −∞ for a non-integer x.</summary>
    internal static double LogPoisson(double x, double lambda)
    {
        if (x != Math.Floor(x))
        {
            return double.NegativeInfinity;
        }

        if (x == 0)
        {
            return -lambda;
        }

        return -Distributions.StirlingError(x) - Distributions.Deviance(x, lambda) - (0.5 * Math.Log(2 * Math.PI * x));
    }

    /// <summary>log dbinom(x, n, p) as R's dbinom_raw.</summary>
    internal static double LogBinomial(double x, double size, double p)
    {
        double q = 1 - p;
        if (p == 0)
        {
            return x == 0 ? 0 : double.NegativeInfinity;
        }

        if (q == 0)
        {
            return x == size ? 0 : double.NegativeInfinity;
        }

        if (x == 0)
        {
            if (size == 0)
            {
                return 0;
            }

            double lc = p < 0.1 ? -Distributions.Deviance(size, size * q) - (size * p) : size * Math.Log(q);
            return lc;
        }

        if (x == size)
        {
            double lc = q < 0.1 ? -Distributions.Deviance(size, size * p) - (size * q) : size * Math.Log(p);
            return lc;
        }

        double l = Distributions.StirlingError(size) - Distributions.StirlingError(x) - Distributions.StirlingError(size - x)
            - Distributions.Deviance(x, size * p) - Distributions.Deviance(size - x, size * q);
        double lf = Math.Log(2 * Math.PI) + Math.Log(x) + Elementary.Log1P(-x / size);
        return l - (0.5 * lf);
    }

    /// <summary>The per-iteration passes over the records, in parallel row blocks.</summary>
    private sealed class Core(GlmFamily family, double[][] columns, double[] centre, double[] scale, bool intercept,
        double[] y, double[] w, double[]? offset, int n)
    {
        private const int Block = 2048;

        private int P => columns.Length + (intercept ? 1 : 0);

        // the structure check scales the prior weights to at most 1 (aliasing does not depend on their scale)
        private readonly double weightMax = w.Max() is > 0 and var wm ? wm : 1;

        private int Blocks => (n + Block - 1) / Block;

        private double Z(int j, int i) => (columns[j][i] - centre[j]) / scale[j];

        /// <summary>η and μ at γ (scaled coordinates) into the arrays; returns the deviance.</summary>
        public double Evaluate(double[] gamma, double[] eta, double[] mu)
        {
            int q = columns.Length;
            int shift = intercept ? 1 : 0;

            // the linear predictor in the given coordinates: beta_j = gamma_j / s_j, b0 = gamma_0 - sum beta_j m_j
            var beta = new double[q];
            double b0 = intercept ? gamma[0] : 0;
            for (int j = 0; j < q; j++)
            {
                beta[j] = gamma[j + shift] / scale[j];
                b0 -= beta[j] * centre[j];
            }

            var partial = new double[Blocks];
            Parallel.For(0, Blocks, new ParallelOptions { MaxDegreeOfParallelism = n > 50_000 ? -1 : 1 }, blk =>
            {
                int lo = blk * Block;
                int hi = Math.Min(n, lo + Block);
                var e = eta.AsSpan(lo, hi - lo);
                e.Fill(b0);
                if (offset is not null)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(e, offset.AsSpan(lo, hi - lo), e);
                }

                for (int j = 0; j < q; j++)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(columns[j].AsSpan(lo, hi - lo), beta[j], e, e);
                }

                double d = 0;
                for (int i = lo; i < hi; i++)
                {
                    double m = LinkInverse(family, eta[i]);
                    mu[i] = m;
                    d += UnitDeviance(family, y[i], m, w[i]);
                }

                partial[blk] = d;
            });

            double dev = 0;
            foreach (double d in partial)
            {
                dev += d;
            }

            return dev;
        }

        /// <summary>ZᵀWZ and ZᵀW·z_work at η.</summary>
        public (double[] A, double[] B) Normal(double[] eta, double[]? mu = null, bool priorOnly = false)
        {
            int p = P;
            int q = columns.Length;
            int shift = intercept ? 1 : 0;
            var aParts = new double[Blocks][];
            var bParts = new double[Blocks][];
            Parallel.For(0, Blocks, new ParallelOptions { MaxDegreeOfParallelism = n > 50_000 ? -1 : 1 }, blk =>
            {
                int lo = blk * Block;
                int hi = Math.Min(n, lo + Block);
                int len = hi - lo;
                var zc = new double[p][];
                for (int j = 0; j < p; j++)
                {
                    zc[j] = new double[len];
                }

                if (intercept)
                {
                    Array.Fill(zc[0], 1.0);
                }

                for (int j = 0; j < q; j++)
                {
                    var dst = zc[j + shift];
                    var src = columns[j];
                    double m = centre[j];
                    double s = scale[j];
                    for (int i = 0; i < len; i++)
                    {
                        dst[i] = (src[lo + i] - m) / s;
                    }
                }

                var ww = new double[len];
                var wz = new double[len];
                for (int i = 0; i < len; i++)
                {
                    int r = lo + i;
                    double e = eta[r];
                    double m = mu is null ? LinkInverse(family, e) : mu[r];
                    double me = mu is null || (family == GlmFamily.Binomial && Math.Abs(e) > Threshold) ? MuEta(family, e)
                        : family == GlmFamily.Poisson ? m : m * (1 - m);
                    double v = family == GlmFamily.Poisson ? m : m * (1 - m);
                    double work = e - (offset?[r] ?? 0) + ((y[r] - m) / me);
                    double wt = priorOnly ? w[r] / weightMax : w[r] > 0 && me != 0 ? w[r] * me * me / v : 0;
                    ww[i] = wt;
                    wz[i] = wt * work;
                }

                var a = new double[p * p];
                var b = new double[p];
                var tmp = new double[len];
                for (int j = 0; j < p; j++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Multiply(zc[j], ww, tmp);
                    for (int k = 0; k <= j; k++)
                    {
                        a[(j * p) + k] = System.Numerics.Tensors.TensorPrimitives.Dot(tmp, zc[k]);
                    }

                    b[j] = System.Numerics.Tensors.TensorPrimitives.Dot(zc[j], wz);
                }

                aParts[blk] = a;
                bParts[blk] = b;
            });

            var aSum = new double[p * p];
            var bSum = new double[p];
            for (int blk = 0; blk < Blocks; blk++)
            {
                for (int k = 0; k < p * p; k++)
                {
                    aSum[k] += aParts[blk][k];
                }

                for (int k = 0; k < p; k++)
                {
                    bSum[k] += bParts[blk][k];
                }
            }

            for (int j = 0; j < p; j++)
            {
                for (int k = 0; k < j; k++)
                {
                    aSum[(k * p) + j] = aSum[(j * p) + k];
                }
            }

            return (aSum, bSum);
        }

        /// <summary>ZᵀW₀Z with the prior weights (the structure of the design, for the aliasing check).</summary>
        public double[] CrossProduct() => Normal(new double[n], null, priorOnly: true).A;

        /// <summary>The score in scaled coordinates, Zᵀ w (y − μ) (canonical link).</summary>
        public double[] Score(double[] mu)
        {
            int p = P;
            int shift = intercept ? 1 : 0;
            var u = new double[p];
            for (int i = 0; i < n; i++)
            {
                double r = w[i] * (y[i] - mu[i]);
                if (intercept)
                {
                    u[0] += r;
                }

                for (int j = 0; j < columns.Length; j++)
                {
                    u[j + shift] += r * Z(j, i);
                }
            }

            return u;
        }
    }
}
