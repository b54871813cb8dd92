using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The outcome measure (metafor's escalc <c>measure</c>).</summary>
public enum MetaMeasure
{
    /// <summary>Logit of a proportion (PLO) or log of a rate (IRLN).</summary>
    Logit,

    /// <summary>Freeman-Tukey double arcsine (PFT) or double square root of a rate (IRFT).</summary>
    FreemanTukey,

    /// <summary>Arcsine square root (PAS) or square root of a rate (IRS).</summary>
    ArcSine,

    /// <summary>Log proportion (PLN) or log rate (IRLN).</summary>
    Log,

    /// <summary>Raw proportion (PR) or rate (IR).</summary>
    Raw,
}

/// <summary>The estimator of the between-study variance τ² (metafor's <c>method</c>).</summary>
public enum Tau2Estimator
{
    /// <summary>Restricted maximum likelihood (REML, rma's default).</summary>
    Reml,

    /// <summary>DerSimonian-Laird (DL).</summary>
    DerSimonianLaird,

    /// <summary>Maximum likelihood (ML).</summary>
    MaximumLikelihood,

    /// <summary>Paule-Mandel (PM).</summary>
    PauleMandel,

    /// <summary>Sidik-Jonkman (SJ).</summary>
    SidikJonkman,

    /// <summary>Hunter-Schmidt (HS).</summary>
    HunterSchmidt,

    /// <summary>Hedges (HE).</summary>
    Hedges,

    /// <summary>Empirical Bayes (EB; equal to Paule-Mandel for a model without moderators).</summary>
    EmpiricalBayes,
}

/// <summary>Options of <see cref="MetaAnalysis"/>.</summary>
public sealed record MetaAnalysisOptions
{
    /// <summary>Logit, REML, z test, level 0.95 (rma's defaults).</summary>
    public static MetaAnalysisOptions Default { get; } = new();

    /// <summary>The measure.</summary>
    public MetaMeasure Measure { get; init; } = MetaMeasure.Logit;

    /// <summary>The τ² estimator.</summary>
    public Tau2Estimator Method { get; init; } = Tau2Estimator.Reml;

    /// <summary>Knapp-Hartung test and intervals (<c>test = "knha"</c>): se² = Σw(y − μ̂)²/((k − 1)Σw), t with k − 1 df.</summary>
    public bool KnappHartung { get; init; }

    /// <summary>The confidence level.</summary>
    public double Level { get; init; } = 0.95;
}

/// <summary>A random-effects meta-analysis (= metafor's <c>rma</c> and <c>predict(fit, transf)</c>).</summary>
public sealed record MetaAnalysisResult
{
    /// <summary>Studies.</summary>
    public int Studies { get; init; }

    /// <summary>μ̂ on the model scale (= <c>fit$beta</c>).</summary>
    public double Estimate { get; init; }

    /// <summary>Its standard error (Knapp-Hartung's under that option).</summary>
    public double StdErr { get; init; }

    /// <summary>μ̂ back-transformed (Freeman-Tukey with the harmonic mean of the sizes or person-times).</summary>
    public double Pooled { get; init; }

    /// <summary>The back-transformed confidence interval.</summary>
    public ConfidenceInterval Interval { get; init; }

    /// <summary>The back-transformed prediction interval μ̂ ∓ q·√(τ² + se²).</summary>
    public ConfidenceInterval PredictionInterval { get; init; }

    /// <summary>τ̂².</summary>
    public double Tau2 { get; init; }

    /// <summary>I² in percent, 100 τ²/(τ² + ṽ), ṽ = (k − 1)Σw/((Σw)² − Σw²), w = 1/v.</summary>
    public double I2 { get; init; }

    /// <summary>H² = τ²/ṽ + 1.</summary>
    public double H2 { get; init; }

    /// <summary>Cochran's Q with weights 1/v.</summary>
    public double Q { get; init; }

    /// <summary>P(χ²_{k−1} ≥ Q).</summary>
    public double QPValue { get; init; }

    /// <summary>The Q-profile interval of τ² (= <c>confint(fit)</c>).</summary>
    public ConfidenceInterval Tau2Interval { get; init; }

    /// <summary>Each study's estimate, back-transformed (Freeman-Tukey with its own size).</summary>
    public ImmutableArray<double> StudyValue { get; init; } = [];

    /// <summary>Each study's lower limit (y − z√v, back-transformed).</summary>
    public ImmutableArray<double> StudyLower { get; init; } = [];

    /// <summary>Each study's upper limit.</summary>
    public ImmutableArray<double> StudyUpper { get; init; } = [];

    /// <summary>Each study's weight, 100·w/Σw with w = 1/(v + τ²).</summary>
    public ImmutableArray<double> WeightPercent { get; init; } = [];

    /// <summary>The study estimates on the model scale (= <c>escalc</c> yi).</summary>
    public ImmutableArray<double> StudyEffect { get; init; } = [];

    /// <summary>Their sampling variances (= <c>escalc</c> vi).</summary>
    public ImmutableArray<double> StudyVariance { get; init; } = [];

    /// <summary>The confidence level.</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>True when τ̂² is the verified optimum of its criterion: for ML and REML the global maximum of the
    /// profile likelihood over τ² ≥ 0 (every local maximum bracketed and compared; τ² = 0 only where the score there is
    /// ≤ 0), for PM and EB the root of Q_gen(τ²) = k − 1 found to the last bit; always true for the closed forms
    /// (DL, HE, HS, SJ) and for the GLMM only at a verified maximum.</summary>
    public bool Converged { get; init; } = true;

    /// <summary>0 for a closed form; 1 for the bracketing search of ML, REML, PM and EB (no Newton iterations); the
    /// optimiser's iterations for the GLMM.</summary>
    public int Iterations { get; init; }

    /// <summary>The projected score at the returned τ̂² (ML/REML: |∂ℓ/∂τ²|; PM/EB: |Q_gen − (k − 1)|; 0 at a boundary
    /// τ² = 0 whose KKT condition holds, and for the closed forms); for the GLMM max |score| over (β, τ) at the returned point.</summary>
    public double GradientNorm { get; init; }

    /// <summary>Why <see cref="Converged"/> is false, or the boundary reached ("tau2 = 0"); null otherwise.</summary>
    public string? ConvergenceNote { get; init; }

    /// <summary>The forest-plot table: one row per study (estimate with its interval and weight), the pooled estimate,
    /// the prediction interval and the heterogeneity. Meta-analyses pool published aggregates, so the cells are plain
    /// text (no disclosure rule applies to them); percentages are on the back-transformed scale.</summary>
    /// <param name="studyLabels">A label per study (e.g. "Smith 2024"); null = "study 1", ...</param>
    /// <param name="percent">Print proportions as percentages (true) or as numbers (false, e.g. for rates).</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">The number of labels differs from the number of studies.</exception>
    public ResultTable ToTable(IReadOnlyList<string>? studyLabels = null, bool percent = true)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (studyLabels is not null && studyLabels.Count != Studies)
        {
            throw new ArgumentException($"studyLabels has {studyLabels.Count} labels; there are {Studies} studies.", nameof(studyLabels));
        }

        string F(double v) => double.IsNaN(v) ? "NA" : percent ? (v * 100).ToString("0.00", c) + " %" : v.ToString("G4", c);
        string level = (Level * 100).ToString("0.####", c) + "% CI";
        var table = new ResultTable("Random-effects meta-analysis", "Study", "Estimate", level, "Weight")
        {
            Note = string.Create(c, $"tau^2 = {Tau2:G4} ({Tau2Interval.Lower:G4} to {Tau2Interval.Upper:G4}); I^2 = {I2:0.0} %; Q = {Q:0.00} on {Studies - 1} df, p = {QPValue:G3}.")
                + (Converged ? "" : " WARNING: NOT CONVERGED: " + ConvergenceNote),
        };
        for (int i = 0; i < Studies; i++)
        {
            table.AddRow(new TextCell(studyLabels?[i] ?? $"study {i + 1}"), new TextCell(F(StudyValue[i])),
                new TextCell($"{F(StudyLower[i])} to {F(StudyUpper[i])}"), new TextCell(WeightPercent.IsEmpty ? "" : WeightPercent[i].ToString("0.0", c) + " %"));
        }

        table.AddRow(new TextCell("Pooled (random effects)"), new TextCell(F(Pooled)), new TextCell($"{F(Interval.Lower)} to {F(Interval.Upper)}"), new TextCell("100 %"));
        table.AddRow(new TextCell("Prediction interval"), new TextCell(""), new TextCell($"{F(PredictionInterval.Lower)} to {F(PredictionInterval.Upper)}"), new TextCell(""));
        return table;
    }
}

/// <summary>Random-effects meta-analysis of proportions and rates, equal to metafor.</summary>
public static partial class MetaAnalysis
{
    /// <summary>Pools proportions events/totals, = <c>rma(measure, xi, ni, method, test)</c> with escalc's default
    /// ½ correction of 0 % and 100 % studies for PLO, PLN and PR (none for PFT and PAS).</summary>
    /// <param name="events">Events per study, 0 ≤ x ≤ n.</param>
    /// <param name="totals">Sizes, ≥ 1.</param>
    /// <param name="options">Measure, τ² estimator, test, level; null for the defaults.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException">Fewer than two studies, or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count (index named) or option.</exception>
    public static MetaAnalysisResult Proportions(ReadOnlySpan<int> events, ReadOnlySpan<int> totals, MetaAnalysisOptions? options = null)
    {
        options ??= MetaAnalysisOptions.Default;
        Guard.SameLength(events.Length, nameof(events), totals.Length, nameof(totals));
        int k = RequireStudies(events.Length, nameof(events));

        var y = new double[k];
        var v = new double[k];
        for (int i = 0; i < k; i++)
        {
            int x = events[i], n = totals[i];
            if (n < 1 || x < 0 || x > n)
            {
                throw new ArgumentOutOfRangeException(nameof(events), x, $"study {i}: events {x} of {n}; need 0 <= events <= totals and totals >= 1.");
            }

            bool edge = x == 0 || x == n;
            double xc = x, nc = n;
            if (edge && options.Measure is MetaMeasure.Logit or MetaMeasure.Log or MetaMeasure.Raw)
            {
                xc += 0.5;
                nc += 1;
            }

            double p = xc / nc;
            (y[i], v[i]) = options.Measure switch
            {
                MetaMeasure.Logit => (Math.Log(xc / (nc - xc)), (1 / xc) + (1 / (nc - xc))),
                MetaMeasure.Log => (Math.Log(p), (1 / xc) - (1 / nc)),
                MetaMeasure.Raw => (p, p * (1 - p) / nc),
                MetaMeasure.ArcSine => (Math.Asin(Math.Sqrt((double)x / n)), 1 / (4.0 * n)),
                MetaMeasure.FreemanTukey => (0.5 * (Math.Asin(Math.Sqrt(x / (n + 1.0))) + Math.Asin(Math.Sqrt((x + 1.0) / (n + 1.0)))), 1 / ((4.0 * n) + 2)),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Measure, "options.Measure is not a defined MetaMeasure."),
            };
        }

        var sizes = totals.ToArray().Select(t => (double)t).ToArray();
        double nhm = 1 / sizes.Average(s => 1 / s);
        double BackPooled(double z) => options.Measure switch
        {
            MetaMeasure.Logit => 1 / (1 + Math.Exp(-z)),
            MetaMeasure.Log => Math.Exp(z),
            MetaMeasure.Raw => z,
            MetaMeasure.ArcSine => InverseArcSine(z),
            _ => InverseFreemanTukey(z, nhm),
        };
        double BackStudy(double z, int i) => options.Measure == MetaMeasure.FreemanTukey ? InverseFreemanTukey(z, sizes[i]) : BackPooled(z);
        return Fit(y, v, options, BackPooled, BackStudy);
    }

    /// <summary>Pools incidence rates events/person-time, = <c>rma(measure = IRLN | IRFT | IRS | IR, xi, ti)</c> (Logit and
    /// Log both mean IRLN); ½ is added to a zero count for IRLN and IR. Freeman-Tukey pools back-transform with the
    /// harmonic mean of the person-times.</summary>
    /// <param name="events">Events per study, ≥ 0.</param>
    /// <param name="personTime">Person-time per study, finite and &gt; 0.</param>
    /// <param name="options">Measure, τ² estimator, test, level; null for the defaults.</param>
    /// <returns>The result (rates per one unit of the person-time given).</returns>
    /// <exception cref="ArgumentException">Fewer than two studies, or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad count or person-time (index named), or option.</exception>
    public static MetaAnalysisResult Rates(ReadOnlySpan<int> events, ReadOnlySpan<double> personTime, MetaAnalysisOptions? options = null)
    {
        options ??= MetaAnalysisOptions.Default;
        Guard.SameLength(events.Length, nameof(events), personTime.Length, nameof(personTime));
        int k = RequireStudies(events.Length, nameof(events));

        var y = new double[k];
        var v = new double[k];
        for (int i = 0; i < k; i++)
        {
            double x = events[i], t = personTime[i];
            if (x < 0 || !(t > 0 && double.IsFinite(t)))
            {
                throw new ArgumentOutOfRangeException(nameof(events), x, $"study {i}: {x} events in {t}; need events >= 0 and person-time > 0.");
            }

            double xc = x == 0 && options.Measure is MetaMeasure.Logit or MetaMeasure.Log or MetaMeasure.Raw ? 0.5 : x;
            (y[i], v[i]) = options.Measure switch
            {
                MetaMeasure.Logit or MetaMeasure.Log => (Math.Log(xc / t), 1 / xc),
                MetaMeasure.Raw => (xc / t, xc / (t * t)),
                MetaMeasure.ArcSine => (Math.Sqrt(x / t), 1 / (4 * t)),
                MetaMeasure.FreemanTukey => (0.5 * (Math.Sqrt(x / t) + Math.Sqrt((x + 1) / t)), 1 / (4 * t)),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Measure, "options.Measure is not a defined MetaMeasure."),
            };
        }

        var times = personTime.ToArray();
        double thm = 1 / times.Average(s => 1 / s);
        double BackPooled(double z) => options.Measure switch
        {
            MetaMeasure.Logit or MetaMeasure.Log => Math.Exp(z),
            MetaMeasure.Raw => z,
            MetaMeasure.ArcSine => z < 0 ? 0 : z * z,
            _ => InverseFreemanTukeyRate(z, thm),
        };
        double BackStudy(double z, int i) => options.Measure == MetaMeasure.FreemanTukey ? InverseFreemanTukeyRate(z, times[i]) : BackPooled(z);
        return Fit(y, v, options, BackPooled, BackStudy);
    }

    private static int RequireStudies(int k, string paramName) =>
        k >= 2 ? k : throw new ArgumentException($"a meta-analysis needs at least two studies; got {k}.", paramName);

    private static double InverseArcSine(double z) => z < 0 ? 0 : z > Math.Asin(1) ? 1 : Math.Sin(z) * Math.Sin(z);

    /// <summary>metafor's <c>transf.ipft</c> (Miller 1978): 0 below transf.pft(0, n), 1 above transf.pft(1, n).</summary>
    private static double InverseFreemanTukey(double z, double n)
    {
        double Pft(double p) => 0.5 * (Math.Asin(Math.Sqrt(p * n / (n + 1))) + Math.Asin(Math.Sqrt(((p * n) + 1) / (n + 1))));
        if (z > Pft(1))
        {
            return 1;
        }

        if (z < Pft(0))
        {
            return 0;
        }

        double s = Math.Sin(2 * z);
        double inner = s + ((s - (1 / s)) / n);
        return 0.5 * (1 - (Math.Sign(Math.Cos(2 * z)) * Math.Sqrt(1 - (inner * inner))));
    }

    /// <summary>metafor's <c>transf.iirft</c>: (1/t − 8z² + 16 t z⁴)/(16 z² t), 0 below transf.irft(0, t) and at or below machine epsilon.</summary>
    private static double InverseFreemanTukeyRate(double z, double t)
    {
        if (z < 0.5 * Math.Sqrt(1 / t))
        {
            return 0;
        }

        double r = ((1 / t) - (8 * z * z) + (16 * t * z * z * z * z)) / (16 * z * z * t);
        return r <= 2.220446049250313e-16 ? 0 : r;   // metafor: zi <= .Machine$double.eps -> 0
    }
}
