using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>How tied event times enter the Cox partial likelihood.</summary>
public enum TieMethod
{
    /// <summary>Efron's approximation (coxph's default).</summary>
    Efron,

    /// <summary>Breslow's approximation.</summary>
    Breslow,
}

/// <summary>A test statistic with its degrees of freedom and upper-tail chi-square p-value.</summary>
/// <param name="Statistic">The statistic.</param>
/// <param name="DegreesOfFreedom">Its degrees of freedom.</param>
/// <param name="PValue">P(χ²_df ≥ Statistic).</param>
public readonly record struct TestResult(double Statistic, int DegreesOfFreedom, double PValue);

/// <summary>Options of <see cref="CoxRegression.Fit"/>.</summary>
public sealed record CoxOptions
{
    /// <summary>Efron ties, level 0.95, no entry times, weights, strata or clusters.</summary>
    public static CoxOptions Default { get; } = new();

    /// <summary>How ties are handled: Efron (coxph's default) or Breslow.</summary>
    public TieMethod Ties { get; init; } = TieMethod.Efron;

    /// <summary>The confidence level of the hazard-ratio intervals, in (0, 1).</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>Entry times for delayed entry, <c>Surv(entry, exit, event)</c>: at risk at t when entry &lt; t ≤ exit.</summary>
    public double[]? EntryTimes { get; init; }

    /// <summary>Case weights, finite and &gt; 0 (<c>weights =</c>).</summary>
    public double[]? Weights { get; init; }

    /// <summary>Strata with separate baseline hazards (<c>+ strata(s)</c>).</summary>
    public string[]? Strata { get; init; }

    /// <summary>Frequencies for aggregated input (each row stands for that many identical records, as a GROUP BY over
    /// time, event and covariate pattern gives): the fit equals the one on the expanded rows, also with Efron ties
    /// (whose correction then runs over the expanded deaths, unlike case <see cref="Weights"/>). Whole numbers ≥ 1;
    /// not together with <see cref="Weights"/>. With a cluster the copies of a row share its cluster.</summary>
    public double[]? Counts { get; init; }

    /// <summary>Clusters for the robust sandwich variance (<c>+ cluster(id)</c>).</summary>
    public string[]? Cluster { get; init; }

    /// <summary>The robust (sandwich, infinitesimal-jackknife) variance even without <see cref="Cluster"/>, each row
    /// its own cluster (= <c>coxph(..., weights = w, robust = TRUE)</c>; <see cref="CoxModel.NaiveVariance"/> =
    /// <c>fit$naive.var</c>). The dfbeta residuals are weighted, as coxph's. False by default.</summary>
    public bool Robust { get; init; }

    /// <summary>The most Newton-Raphson iterations (100).</summary>
    public int MaxIterations { get; init; } = 100;
}

/// <summary>A fitted Cox proportional hazards model (= <c>survival::coxph</c>).</summary>
public sealed class CoxModel
{
    internal CoxModel()
    {
    }

    /// <summary>The term names (= <c>names(coef(fit))</c>).</summary>
    public ImmutableArray<string> Terms { get; internal init; }

    /// <summary>A label per term for figures ("sex: male vs female"; see <see cref="DesignMatrix.TermLabels"/>); the
    /// terms themselves where the model was not fitted from a design matrix.</summary>
    public ImmutableArray<string> TermLabels { get => labels.IsDefaultOrEmpty ? Terms : labels; internal set => labels = value; }

    private ImmutableArray<string> labels;

    /// <summary>β̂ (= <c>coef(fit)</c>).</summary>
    public ImmutableArray<double> Coefficients { get; internal init; }

    /// <summary>sqrt(diag(Variance)): robust when clustered.</summary>
    public ImmutableArray<double> StdErr { get; internal init; }

    /// <summary>exp(β̂).</summary>
    public ImmutableArray<double> HazardRatio { get; internal init; }

    /// <summary>exp(β̂ − z·se).</summary>
    public ImmutableArray<double> Lower { get; internal init; }

    /// <summary>exp(β̂ + z·se).</summary>
    public ImmutableArray<double> Upper { get; internal init; }

    /// <summary>β̂/se.</summary>
    public ImmutableArray<double> Z { get; internal init; }

    /// <summary>2Φ(−|z|).</summary>
    public ImmutableArray<double> PValue { get; internal init; }

    /// <summary>The variance of β̂, p × p row-major (= <c>fit$var</c>): the robust sandwich exactly when
    /// <see cref="CoxOptions.Cluster"/> is set or <see cref="CoxOptions.Robust"/> is true, else the inverse information.</summary>
    public ImmutableArray<double> Variance { get; internal init; }

    /// <summary>The inverse information (= <c>fit$naive.var</c> with a cluster, else = <see cref="Variance"/>).</summary>
    public ImmutableArray<double> NaiveVariance { get; internal init; }

    /// <summary>The log partial likelihood at β = 0 (= <c>fit$loglik[1]</c>).</summary>
    public double LogLikelihoodNull { get; internal init; }

    /// <summary>The log partial likelihood at β̂ (= <c>fit$loglik[2]</c>).</summary>
    public double LogLikelihood { get; internal init; }

    /// <summary>2(ℓ(β̂) − ℓ(0)) on p df (= <c>summary(fit)$logtest</c>).</summary>
    public TestResult LikelihoodRatio { get; internal init; }

    /// <summary>β̂ᵀ V⁻¹ β̂ with V = <see cref="Variance"/> (= <c>fit$wald.test</c>).</summary>
    public TestResult Wald { get; internal init; }

    /// <summary>The score test at β = 0 with the model-based information (= <c>summary(fit)$sctest</c>).</summary>
    public TestResult Score { get; internal init; }

    /// <summary>Records used (= <c>fit$n</c>; with <see cref="CoxOptions.Counts"/> the expanded number).</summary>
    public int Observations { get; internal init; }

    /// <summary>Events, unweighted (= <c>fit$nevent</c>; with counts, expanded).</summary>
    public int Events { get; internal init; }

    /// <summary>Newton-Raphson iterations.</summary>
    public int Iterations { get; internal init; }

    /// <summary>Whether the fit reached the maximum of a finite likelihood. False with a
    /// <see cref="ConvergenceMessage"/> when the iteration limit was hit, the information was singular, or a coefficient
    /// runs off to infinity (monotone likelihood, e.g. a group without events).</summary>
    public bool Converged { get; internal init; }

    /// <summary>Why <see cref="Converged"/> is false; null otherwise.</summary>
    public string? ConvergenceMessage { get; internal init; }

    /// <summary>Why <see cref="Converged"/> is false; null otherwise (the Round 3 name of <see cref="ConvergenceMessage"/>).</summary>
    public string? ConvergenceNote => ConvergenceMessage;

    /// <summary>max |U(β̂)|, the largest score component at the returned point (coefficients on their own scale).</summary>
    public double GradientNorm { get; internal init; }

    /// <summary>The confidence level of the intervals.</summary>
    public double Level { get; internal init; }

    /// <summary>For each term, the events among records whose value is 1 when the term is a 0/1 indicator (a level of a
    /// categorical covariate), −1 otherwise: the disclosure rules withhold the row of a level with 1..threshold − 1 events.</summary>
    public ImmutableArray<int> TermEvents { get; internal set; } = [];

    /// <summary>The tie method used.</summary>
    public TieMethod Ties { get; internal init; }

    /// <summary>The baseline for prediction, built on first use (most fits are never used to predict).</summary>
    internal CoxBaseline? Baseline => BaselineSource?.Value;

    internal Lazy<CoxBaseline>? BaselineSource { get; init; }

    internal bool Stratified { get; init; }

    /// <summary>The survival curve of a covariate profile, = <c>survfit(fit, newdata)$surv</c> (Efron-type baseline for
    /// an Efron fit, Breslow for a Breslow fit; S = exp(−H)), one row per distinct time of the data.</summary>
    /// <param name="profile">Covariate values in <see cref="Terms"/> order (a design-matrix row).</param>
    /// <returns>The curve; its standard errors and limits are NaN (not computed).</returns>
    /// <exception cref="InvalidOperationException">The fit is stratified (one baseline per stratum).</exception>
    /// <exception cref="ArgumentException">The profile has the wrong length or a non-finite value.</exception>
    public SurvivalCurve PredictSurvival(ReadOnlySpan<double> profile)
    {
        if (Stratified || Baseline is null)
        {
            throw new InvalidOperationException("PredictSurvival needs an unstratified fit (a stratified fit has one baseline per stratum).");
        }

        if (profile.Length != Terms.Length)
        {
            throw new ArgumentException($"profile has {profile.Length} values; the model has {Terms.Length} terms.", nameof(profile));
        }

        for (int j = 0; j < profile.Length; j++)
        {
            if (!double.IsFinite(profile[j]))
            {
                throw new ArgumentException($"profile[{j}] is {Guard.Show(profile[j])}.", nameof(profile));
            }
        }

        return Baseline.Survival(profile, Coefficients.AsSpan(), Level);
    }

    /// <summary>The regression table: term, hazard ratio, interval, p; the estimates rest on the number of events.</summary>
    /// <returns>The table (rendered through the disclosure policy).</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string level = (Level * 100).ToString("0.####", c) + "% CI";
        var events = new CountCell(Events);
        var table = new ResultTable("Cox proportional hazards", "Term", "Hazard ratio", level, "p")
        {
            Note = $"= coxph ({Ties.ToString().ToLowerInvariant()} ties){(Converged ? "" : "; WARNING: NOT CONVERGED: " + ConvergenceMessage)}",
        };
        table.AddRow(new TextCell("Records"), new CountCell(Observations), new TextCell(""), new TextCell(""));
        table.AddRow(new TextCell("Events"), events, new TextCell(""), new TextCell(""));
        for (int j = 0; j < Terms.Length; j++)
        {
            // a level's row rests on its own events too (withheld when they are 1..threshold-1)
            CountCell[] basis = j < TermEvents.Length && TermEvents[j] >= 0 ? [events, new CountCell(TermEvents[j], hidden: true)] : [events];
            table.AddRow(new TextCell(Terms[j]), new DerivedCell(HazardRatio[j].ToString("0.###", c), basis),
                new DerivedCell($"{Lower[j].ToString("0.###", c)} to {Upper[j].ToString("0.###", c)}", basis),
                new DerivedCell(PValue[j].ToString("G3", c), basis));
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText();
}

/// <summary>The baseline hazard increments of an unstratified fit (for prediction).</summary>
internal sealed class CoxBaseline
{
    public required double[] Time { get; init; }           // every distinct time, ascending

    public required double[] AtRisk { get; init; }         // unweighted number at risk

    public required double[] Deaths { get; init; }

    public required double[] Censored { get; init; }

    public required Func<double[], double[]> Increments { get; init; }   // risk-profile factor -> dH at each time

    public required double[] Center { get; init; }

    public SurvivalCurve Survival(ReadOnlySpan<double> profile, ReadOnlySpan<double> beta, double level)
    {
        double eta = 0;
        for (int j = 0; j < beta.Length; j++)
        {
            eta += (profile[j] - Center[j]) * beta[j];
        }

        var dH = Increments([eta]);
        var surv = new double[Time.Length];
        double h = 0;
        for (int i = 0; i < Time.Length; i++)
        {
            h += dH[i];
            surv[i] = Math.Exp(-h);
        }

        var nan = Enumerable.Repeat(double.NaN, Time.Length).ToImmutableArray();
        return new SurvivalCurve([.. Time], [.. AtRisk], [.. Deaths], [.. Censored], [.. surv], nan, nan, nan, nan,
            KaplanMeierOptions.Default with { Level = level });
    }
}

/// <summary>Cox proportional hazards regression, equal to <c>survival::coxph</c> run to full convergence.</summary>
/// <example>
/// <code>
/// var x = DesignMatrix.Build(cohort.Covariate("age"), cohort.Covariate("sex"), cohort.Covariate("product"));
/// var fit = CoxRegression.Fit(cohort.Durations.AsSpan(), events, x);   // = coxph(Surv(days, malignancy) ~ age + sex + product)
/// </code>
/// </example>
public static class CoxRegression
{
    /// <summary>Fits the model by Newton-Raphson with step halving, to the maximum (a Newton step below 1e-10
    /// standard errors), not to coxph's default tolerance.</summary>
    /// <param name="durations">Exit times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="covariates">The design matrix, one row per record.</param>
    /// <param name="options">Ties, level, entry times, weights, strata, clusters; null for the defaults.</param>
    /// <returns>The fit.</returns>
    /// <remarks>
    /// Log partial likelihood, at each event time t of a stratum with tied deaths D (d of them, weights w_i, mean weight
    /// w̄) and risk set R(t) = {entry &lt; t ≤ exit}: S0 = Σ_R w e^η, E0 = Σ_D w e^η; Breslow ℓ += Σ_D w η − (Σ_D w) log S0;
    /// Efron ℓ += Σ_D w η − w̄ Σ_{k=0}^{d−1} log(S0 − (k/d)E0). The score and information follow by differentiation.
    /// The robust variance (with clusters) is Σ_c (Σ_{i∈c} r_i V)ᵀ(Σ_{i∈c} r_i V), r_i the weighted score residuals
    /// (Efron-adjusted), V the inverse information: coxph's <c>residuals(fit, "dfbeta")</c> collapsed by cluster.
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, no record, no event, an entry not before its exit, a null
    /// stratum or cluster label (index named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration, entry or weight (index named), or a bad level.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="covariates"/> is null.</exception>
    public static CoxModel Fit(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, DesignMatrix covariates, CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        options ??= CoxOptions.Default;
        var data = CoxData.Prepare(durations, events, covariates, options);
        return FitPrepared(data, events, covariates, options);
    }

    /// <summary>The fit of prepared data (<see cref="CoxData.Prepare"/> or <see cref="CoxData.WithEvents"/> of the same
    /// <paramref name="events"/>, covariates and options).</summary>
    internal static CoxModel FitPrepared(CoxData data, ReadOnlySpan<bool> events, DesignMatrix covariates, CoxOptions options)
    {
        var ev = events.ToArray();
        var levelEvents = covariates.IndicatorEvents(i => ev[i], options.Counts);
        var model = CoxFitter.Run(data, covariates.Terms, options);
        model.TermLabels = covariates.TermLabels;
        model.TermEvents = [.. levelEvents];
        return model;
    }
}
