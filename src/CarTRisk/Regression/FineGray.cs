using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>Options of <see cref="FineGray.Fit"/>.</summary>
public sealed record FineGrayOptions
{
    /// <summary>Level 0.95.</summary>
    public static FineGrayOptions Default { get; } = new();

    /// <summary>The confidence level of the intervals, in (0, 1).</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>The most Newton-Raphson iterations (100).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Case weights per record, finite and ≥ 0 (e.g. inverse-probability weights); null = crr. With weights the
    /// fit is survival's route, not crr's: <c>fg &lt;- finegray(Surv(time, factor(cause, levels = c(0, causes))) ~ .,
    /// data = cbind(d, id = seq_len(n)), etype = eventOfInterest)</c> and <c>coxph(Surv(fgstart, fgstop, fgstatus) ~ x,
    /// weights = fgwt * w, data = fg, id = id, robust = TRUE)</c>: Efron ties, the censoring distribution unweighted
    /// (finegray's), the robust variance per subject (<see cref="FineGrayModel.Variance"/>; the inverse information is
    /// <see cref="FineGrayModel.InverseInformation"/> = <c>fit$naive.var</c>). Ties of time: events before censorings.</summary>
    public double[]? Weights { get; init; }

    /// <summary>Frequencies for aggregated input: each row stands for that many identical records (a GROUP BY over time,
    /// cause and covariate pattern); the fit equals crr's on the expanded records. Whole numbers ≥ 1; not together with
    /// <see cref="Weights"/>. The records are expanded inside (memory grows with the total count).</summary>
    public double[]? Counts { get; init; }
}

/// <summary>A predicted cumulative incidence curve (= <c>predict.crr</c>): at each distinct time of the event of interest.</summary>
/// <param name="Time">The distinct times of the event of interest, ascending (crr's <c>uftime</c>).</param>
/// <param name="Estimate">1 − exp(−Σ_{t_k ≤ t} exp(xᵀβ) dΛ̂_k).</param>
public sealed record CumulativeIncidencePrediction(ImmutableArray<double> Time, ImmutableArray<double> Estimate)
{
    /// <summary>The prediction at any time (right-continuous; 0 before the first event time).</summary>
    /// <param name="time">A finite time.</param>
    /// <returns>The cumulative incidence.</returns>
    public double At(double time)
    {
        Guard.Finite(time);
        int i = StepFunction.LastAtOrBefore(Time.AsSpan(), time);
        return i < 0 ? 0 : Estimate[i];
    }
}

/// <summary>A fitted Fine-Gray subdistribution hazards model (= <c>cmprsk::crr</c>).</summary>
public sealed class FineGrayModel
{
    internal FineGrayModel()
    {
    }

    /// <summary>The term names.</summary>
    public ImmutableArray<string> Terms { get; internal init; }

    /// <summary>A label per term for figures ("sex: male vs female"; see <see cref="DesignMatrix.TermLabels"/>); the
    /// terms themselves where the model was not fitted from a design matrix.</summary>
    public ImmutableArray<string> TermLabels { get => labels.IsDefaultOrEmpty ? Terms : labels; internal set => labels = value; }

    private ImmutableArray<string> labels;

    /// <summary>β̂ (= <c>fit$coef</c>).</summary>
    public ImmutableArray<double> Coefficients { get; internal init; }

    /// <summary>sqrt(diag(<see cref="Variance"/>)).</summary>
    public ImmutableArray<double> StdErr { get; internal init; }

    /// <summary>exp(β̂).</summary>
    public ImmutableArray<double> SubdistributionHazardRatio { get; internal init; }

    /// <summary>exp(β̂ − z·se).</summary>
    public ImmutableArray<double> Lower { get; internal init; }

    /// <summary>exp(β̂ + z·se).</summary>
    public ImmutableArray<double> Upper { get; internal init; }

    /// <summary>β̂/se.</summary>
    public ImmutableArray<double> Z { get; internal init; }

    /// <summary>2Φ(−|z|).</summary>
    public ImmutableArray<double> PValue { get; internal init; }

    /// <summary>crr's sandwich variance I⁻¹ (Σ_i η̃_i η̃_iᵀ) I⁻¹, whose η̃_i include the term for the estimated censoring
    /// weights (Fine and Gray 1999), p × p row-major (= <c>fit$var</c>).</summary>
    public ImmutableArray<double> Variance { get; internal init; }

    /// <summary>The inverse information, the model-based variance (= <c>fit$invinf</c>).</summary>
    public ImmutableArray<double> InverseInformation { get; internal init; }

    /// <summary>The log pseudo-likelihood at β̂ (= <c>fit$loglik</c>).</summary>
    public double LogPseudoLikelihood { get; internal init; }

    /// <summary>The log pseudo-likelihood at β = 0 (= <c>fit$loglik.null</c>).</summary>
    public double LogPseudoLikelihoodNull { get; internal init; }

    /// <summary>Newton-Raphson iterations.</summary>
    public int Iterations { get; internal init; }

    /// <summary>Whether the maximum was reached (see <see cref="ConvergenceMessage"/> otherwise).</summary>
    public bool Converged { get; internal init; }

    /// <summary>Why <see cref="Converged"/> is false; null otherwise.</summary>
    public string? ConvergenceMessage { get; internal init; }

    /// <summary>Why <see cref="Converged"/> is false; null otherwise (the Round 3 name of <see cref="ConvergenceMessage"/>).</summary>
    public string? ConvergenceNote => ConvergenceMessage;

    /// <summary>For each term, the events of interest among records whose value is 1 when the term is a 0/1 indicator,
    /// −1 otherwise: the disclosure rules withhold the row of a level with 1..threshold − 1 events.</summary>
    public ImmutableArray<int> TermEvents { get; internal set; } = [];

    /// <summary>max |U(β̂)|, the largest pseudo-score component at the returned point.</summary>
    public double GradientNorm { get; internal init; }

    /// <summary>Records, events of interest and competing events.</summary>
    public int Observations { get; internal init; }

    /// <summary>Rows of the finegray() expansion the weighted fit ran on (= <c>nrow(fg)</c>); 0 for crr's fit.</summary>
    public int ExpandedRows { get; internal init; }

    /// <summary>Events of the cause of interest.</summary>
    public int Events { get; internal init; }

    /// <summary>Competing events.</summary>
    public int CompetingEvents { get; internal init; }

    /// <summary>The confidence level.</summary>
    public double Level { get; internal init; }

    internal double[] EventTimes { get; init; } = [];

    internal double[] BaselineJumps { get; init; } = [];   // d_k / S0_k at centred covariates

    internal double[] Center { get; init; } = [];

    /// <summary>The cumulative incidence of a covariate profile, = <c>predict.crr(fit, cov1 = profile)</c>.</summary>
    /// <param name="profile">Covariate values in <see cref="Terms"/> order.</param>
    /// <returns>Times and estimates.</returns>
    /// <exception cref="ArgumentException">Wrong length or a non-finite value.</exception>
    public CumulativeIncidencePrediction PredictCumulativeIncidence(ReadOnlySpan<double> profile)
    {
        if (profile.Length != Terms.Length)
        {
            throw new ArgumentException($"profile has {profile.Length} values; the model has {Terms.Length} terms.", nameof(profile));
        }

        double eta = 0;
        for (int j = 0; j < profile.Length; j++)
        {
            if (!double.IsFinite(profile[j]))
            {
                throw new ArgumentException($"profile[{j}] is {Guard.Show(profile[j])}.", nameof(profile));
            }

            eta += (profile[j] - Center[j]) * Coefficients[j];
        }

        double factor = Math.Exp(eta), h = 0;
        var est = new double[BaselineJumps.Length];
        for (int k = 0; k < est.Length; k++)
        {
            h += factor * BaselineJumps[k];
            est[k] = -Numerics.Elementary.ExpM1(-h);
        }

        return new CumulativeIncidencePrediction([.. EventTimes], [.. est]);
    }

    /// <summary>The regression table: term, subdistribution hazard ratio, interval, p.</summary>
    /// <returns>The table (through the disclosure policy: the estimates rest on the number of events).</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var events = new CountCell(Events);
        var table = new ResultTable("Fine-Gray subdistribution hazards", "Term", "SHR", (Level * 100).ToString("0.####", c) + "% CI", "p")
        {
            Note = $"= cmprsk::crr{(Converged ? "" : "; WARNING: NOT CONVERGED: " + ConvergenceMessage)}",
        };
        table.AddRow(new TextCell("Records"), new CountCell(Observations), new TextCell(""), new TextCell(""));
        table.AddRow(new TextCell("Events of interest"), events, new TextCell(""), new TextCell(""));
        for (int j = 0; j < Terms.Length; j++)
        {
            CountCell[] basis = j < TermEvents.Length && TermEvents[j] >= 0 ? [events, new CountCell(TermEvents[j], hidden: true)] : [events];
            table.AddRow(new TextCell(Terms[j]), new DerivedCell(SubdistributionHazardRatio[j].ToString("0.###", c), basis),
                new DerivedCell($"{Lower[j].ToString("0.###", c)} to {Upper[j].ToString("0.###", c)}", basis),
                new DerivedCell(PValue[j].ToString("G3", c), basis));
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText();
}

/// <summary>The Fine-Gray subdistribution hazards model, equal to <c>cmprsk::crr(ftime, fstatus, cov1, failcode,
/// cencode = 0)</c> run to full convergence, computed by forward and backward scans in O(n p²) (crr is O(n²)).</summary>
public static class FineGray
{
    /// <summary>Fits the model.</summary>
    /// <param name="durations">Times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, <paramref name="eventOfInterest"/>, or any other code ≥ 1 (competing).</param>
    /// <param name="eventOfInterest">The cause whose subdistribution is modelled (≥ 1).</param>
    /// <param name="covariates">The design matrix.</param>
    /// <param name="options">Level and iteration limit; null for the defaults.</param>
    /// <returns>The fit.</returns>
    /// <remarks>
    /// Log pseudo-likelihood (Breslow ties): at each distinct time t of the event of interest with d events,
    /// ℓ += Σ_events η_i − d log Σ_j w_j(t) e^{η_j}, where w_j(t) = 1 if T_j ≥ t, Ĝ(t−)/Ĝ(T_j−) if j had a competing event
    /// before t, else 0; Ĝ is the Kaplan-Meier of the censoring times (risk set at u: everyone with T ≥ u). Variance:
    /// crr's sandwich with the censoring-weight term ψ_i = q(T_i)/Y(T_i)·[censored] − Σ_{u ≤ T_i} c(u) q(u)/Y(u)², with
    /// q(u) = Σ_{events j, T_j ≥ u} (Ĝ(T_j−)/S0_j) Σ_{competing k, T_k &lt; u} e^{η_k}/Ĝ(T_k−) (x_k − x̄_j).
    /// Reference: Fine and Gray (1999), JASA 94:496, doi:10.1080/01621459.1999.10474144.
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, no record, or no event of interest.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration or cause (index named), eventOfInterest &lt; 1, bad level.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="covariates"/> is null.</exception>
    public static FineGrayModel Fit(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest,
        DesignMatrix covariates, FineGrayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        options ??= FineGrayOptions.Default;
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), causes.Length, nameof(causes));
        Guard.SameLength(durations.Length, nameof(durations), covariates.Rows, nameof(covariates));
        Guard.FiniteNonNegative(durations, nameof(durations));
        Guard.EventCause(eventOfInterest);
        Guard.Level(options.Level, "options.Level");
        _ = CauseCoding.Scan(causes, nameof(causes));
        if (options.Counts is { } counts)
        {
            if (options.Weights is not null)
            {
                throw new ArgumentException("Counts and Weights cannot be combined.", nameof(options));
            }

            Guard.SameLength(durations.Length, nameof(durations), counts.Length, "options.Counts");
            long total = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                if (!(counts[i] >= 1 && counts[i] == Math.Floor(counts[i]) && counts[i] <= int.MaxValue))
                {
                    throw new ArgumentException($"options.Counts[{i}] is {Guard.Show(counts[i])}; counts are whole numbers >= 1.", nameof(options));
                }

                total += (long)counts[i];
            }

            if (total > Array.MaxLength)
            {
                throw new ArgumentException($"the counts add up to {total} records, more than can be expanded.", nameof(options));
            }

            var rows = new int[total];
            int k = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                for (int c = 0; c < (int)counts[i]; c++)
                {
                    rows[k++] = i;
                }
            }

            var expandedTimes = new double[rows.Length];
            var expandedCauses = new int[rows.Length];
            for (int r = 0; r < rows.Length; r++)
            {
                expandedTimes[r] = durations[rows[r]];
                expandedCauses[r] = causes[rows[r]];
            }

            return Fit(expandedTimes, expandedCauses, eventOfInterest, covariates.SelectRows(rows), options with { Counts = null });
        }

        var cs = causes.ToArray();
        var levelEvents = covariates.IndicatorEvents(i => cs[i] == eventOfInterest);
        if (options.Weights is { } weights)
        {
            WeightedTables.ValidateWeights(weights, durations.Length);
            var weighted = FineGrayExpansion.Fit(durations, causes, eventOfInterest, covariates, weights, options);
            weighted.TermEvents = [.. levelEvents];
            return weighted;
        }

        var data = FineGrayData.Prepare(durations, causes, eventOfInterest, covariates);
        var model = FineGrayData.Run(data, covariates.Terms, options);
        model.TermLabels = covariates.TermLabels;
        model.TermEvents = [.. levelEvents];
        return model;
    }
}

/// <summary>Sorted, centred input and the scans of a Fine-Gray fit.</summary>
internal sealed class FineGrayData
{
    public int N { get; private init; }

    public int P { get; private init; }

    public required double[] T { get; init; }       // ascending

    public required int[] S { get; init; }          // 1 interest, 2 competing, 0 censored

    public required double[] X { get; init; }       // n × p centred

    public required double[] Center { get; init; }

    public required double[] G { get; init; }       // Ĝ(T_i−)

    public required int[] TimeStart { get; init; }  // first index of each distinct time

    public required double[] CensorAtRisk { get; init; }   // Y(u) = #{T ≥ u} per distinct time

    public required int[] Censored { get; init; }   // censorings per distinct time

    public int Events { get; init; }

    public int Competing { get; init; }

    public static FineGrayData Prepare(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest, DesignMatrix covariates)
    {
        int n = durations.Length, p = covariates.Columns;
        var order = Enumerable.Range(0, n).ToArray();
        var keys = durations.ToArray();
        Array.Sort(keys, order);   // ties in any order: every quantity below is symmetric within a time
        var s = new int[n];
        int events = 0, competing = 0;
        for (int i = 0; i < n; i++)
        {
            int c = causes[order[i]];
            s[i] = c == 0 ? 0 : c == eventOfInterest ? 1 : 2;
            events += s[i] == 1 ? 1 : 0;
            competing += s[i] == 2 ? 1 : 0;
        }

        if (events == 0)
        {
            throw new ArgumentException($"eventOfInterest {eventOfInterest} does not occur; the model is not identified.", nameof(eventOfInterest));
        }

        var center = new double[p];
        var x = new double[n * p];
        for (int j = 0; j < p; j++)
        {
            var col = covariates.Column(j);
            center[j] = col.Average();
            for (int i = 0; i < n; i++)
            {
                x[(i * p) + j] = col[order[i]] - center[j];
            }
        }

        var starts = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || keys[i] != keys[i - 1])
            {
                starts.Add(i);
            }
        }

        int m = starts.Count;
        var yRisk = new double[m];
        var cens = new int[m];
        for (int k = 0; k < m; k++)
        {
            int end = k + 1 < m ? starts[k + 1] : n;
            yRisk[k] = n - starts[k];
            for (int i = starts[k]; i < end; i++)
            {
                cens[k] += s[i] == 0 ? 1 : 0;
            }
        }

        // Ĝ(T−) (crr: the censoring KM evaluated at T(1 − 100ε), i.e. before the jump at T; at T = 0 after it).
        var g = new double[n];
        double surv = 1;
        for (int k = 0; k < m; k++)
        {
            int end = k + 1 < m ? starts[k + 1] : n;
            double before = surv;
            surv *= 1 - (cens[k] / yRisk[k]);
            for (int i = starts[k]; i < end; i++)
            {
                g[i] = keys[i] == 0 ? surv : before;
            }
        }

        return new FineGrayData
        {
            N = n, P = p, T = keys, S = s, X = x, Center = center, G = g, TimeStart = [.. starts], CensorAtRisk = yRisk,
            Censored = cens, Events = events, Competing = competing,
        };
    }

    /// <summary>Per distinct time of the event of interest: d, Ĝ(t−), S0, S1 (p), S2 (p × p, lower triangle used).</summary>
    private sealed record EventSums(int TimeIndex, double Time, int D, double GMinus, double S0, double[] S1, double[] S2, double[] XSum);

    /// <summary>The risk-set sums at every distinct event time, by a backward scan (T ≥ t) and a forward scan
    /// (competing events before t, weighted by Ĝ(t−)/Ĝ(T_k−)).</summary>
    private List<EventSums> Sums(double[] beta, bool second)
    {
        int n = N, p = P, m = TimeStart.Length;
        var e = new double[n];
        for (int i = 0; i < n; i++)
        {
            double eta = 0;
            for (int j = 0; j < p; j++)
            {
                eta += X[(i * p) + j] * beta[j];
            }

            e[i] = eta;
        }

        System.Numerics.Tensors.TensorPrimitives.Exp(e, e);

        // backward: suffix sums over T ≥ t at each distinct time holding an event of interest (flat arrays, no per-time
        // allocation beyond the results)
        int pp = second ? p * p : 0;
        var hasEvent = new bool[m];
        var back0 = new double[m];
        var back1 = new double[m * p];
        var back2 = new double[m * pp];
        double b0 = 0;
        var b1 = new double[p];
        var b2 = new double[pp];
        for (int k = m - 1; k >= 0; k--)
        {
            int end = k + 1 < m ? TimeStart[k + 1] : n;
            for (int i = TimeStart[k]; i < end; i++)
            {
                Accumulate(i, e[i], ref b0, b1, b2, second);
                hasEvent[k] |= S[i] == 1;
            }

            if (hasEvent[k])
            {
                back0[k] = b0;
                Array.Copy(b1, 0, back1, k * p, p);
                Array.Copy(b2, 0, back2, k * pp, pp);
            }
        }

        // forward: competing events strictly before t, weighted 1/Ĝ(T_k−); times Ĝ(t−) at t
        var list = new List<EventSums>();
        double a0 = 0;
        var a1 = new double[p];
        var a2 = new double[pp];
        for (int k = 0; k < m; k++)
        {
            int end = k + 1 < m ? TimeStart[k + 1] : n;
            if (hasEvent[k])
            {
                double gt = G[TimeStart[k]];
                int d = 0;
                var xs = new double[p];
                for (int i = TimeStart[k]; i < end; i++)
                {
                    if (S[i] == 1)
                    {
                        d++;
                        for (int j = 0; j < p; j++)
                        {
                            xs[j] += X[(i * p) + j];
                        }
                    }
                }

                var s1 = new double[p];
                var s2 = new double[pp];
                for (int j = 0; j < p; j++)
                {
                    s1[j] = back1[(k * p) + j] + (gt * a1[j]);
                }

                for (int q = 0; q < pp; q++)
                {
                    s2[q] = back2[(k * pp) + q] + (gt * a2[q]);
                }

                list.Add(new EventSums(k, T[TimeStart[k]], d, gt, back0[k] + (gt * a0), s1, s2, xs));
            }

            for (int i = TimeStart[k]; i < end; i++)
            {
                if (S[i] == 2)
                {
                    Accumulate(i, e[i] / G[i], ref a0, a1, a2, second);
                }
            }
        }

        return list;
    }

    private void Accumulate(int i, double w, ref double s0, double[] s1, double[] s2, bool second)
    {
        int p = P;
        s0 += w;
        for (int j = 0; j < p; j++)
        {
            double xj = X[(i * p) + j];
            s1[j] += w * xj;
            if (second)
            {
                for (int q = 0; q <= j; q++)
                {
                    s2[(j * p) + q] += w * xj * X[(i * p) + q];
                }
            }
        }
    }

    private (double LogLik, double[] Score, double[] Info, List<EventSums> Sums) Evaluate(double[] beta)
    {
        int p = P;
        var sums = Sums(beta, second: true);
        double ll = 0;
        var u = new double[p];
        var info = new double[p * p];
        foreach (var s in sums)
        {
            double eta = 0;
            for (int j = 0; j < p; j++)
            {
                eta += s.XSum[j] * beta[j];
                u[j] += s.XSum[j] - (s.D * s.S1[j] / s.S0);
            }

            ll += eta - (s.D * Math.Log(s.S0));
            for (int j = 0; j < p; j++)
            {
                for (int q = 0; q <= j; q++)
                {
                    info[(j * p) + q] += s.D * ((s.S2[(j * p) + q] / s.S0) - (s.S1[j] * s.S1[q] / (s.S0 * s.S0)));
                }
            }
        }

        for (int j = 0; j < p; j++)
        {
            for (int q = 0; q < j; q++)
            {
                info[(q * p) + j] = info[(j * p) + q];
            }
        }

        return (ll, u, info, sums);
    }



    private static double Decrement(double[] u, double[] info, int p) =>
        Numerics.Cholesky.Solve(info, u, p) is { } x ? x.Select((v, j) => v * u[j]).Sum() : double.PositiveInfinity;

    public static FineGrayModel Run(FineGrayData d, ImmutableArray<string> terms, FineGrayOptions options)
    {
        int p = d.P;
        var beta = new double[p];
        var (ll, u, info, sums) = d.Evaluate(beta);
        double ll0 = ll;
        double llScale = Math.Abs(ll0) > 0 && double.IsFinite(ll0) ? Math.Abs(ll0) : 1;
        bool converged = false;
        string? message = null;
        int iter;
        for (iter = 1; iter <= options.MaxIterations; iter++)
        {
            var step = Numerics.Cholesky.Solve(info, u, p);
            if (step is null)
            {
                message = "the information matrix is singular (a constant or collinear covariate, or a coefficient running off to infinity)";
                break;
            }

            var inv = Numerics.Cholesky.Inverse(info, p)!;
            double size = Enumerable.Range(0, p).Max(j => Math.Abs(step[j]) / Math.Sqrt(Math.Max(inv[(j * p) + j], double.Epsilon)));
            var next = beta.Select((b, j) => b + step[j]).ToArray();
            var eval = d.Evaluate(next);
            if (size < 1e-10)
            {
                beta = next;
                (ll, u, info, sums) = eval;
                converged = double.IsFinite(ll);
                break;
            }

            double decrement = Decrement(u, info, p);
            bool Better((double L, double[] U, double[] I, List<EventSums> S) ev) =>
                double.IsFinite(ev.L) && (ev.L > ll || (Math.Abs(ev.L - ll) <= 1e-11 * Math.Max(llScale, Math.Abs(ll)) && Decrement(ev.U, ev.I, p) < decrement));
            int halvings = 0;
            while (!Better(eval) && halvings < 60)
            {
                for (int j = 0; j < p; j++)
                {
                    step[j] /= 2;
                    next[j] = beta[j] + step[j];
                }

                eval = d.Evaluate(next);
                halvings++;
            }

            if (!Better(eval))
            {
                message = "the pseudo-likelihood could not be increased (step halving failed)";
                break;
            }

            bool flat = Math.Abs(eval.LogLik - ll) <= 1e-14 * Math.Max(llScale, Math.Abs(ll));
            beta = next;
            (ll, u, info, sums) = eval;
            if (flat && size > 1e-4)
            {
                message = "the pseudo-likelihood converged before the coefficients; a coefficient may be infinite";
                break;
            }
        }

        var runaway = Enumerable.Range(0, p).Where(j =>
        {
            double ss = 0;
            for (int i = 0; i < d.N; i++)
            {
                ss += d.X[(i * p) + j] * d.X[(i * p) + j];
            }

            return Math.Abs(beta[j]) * Math.Sqrt(ss / d.N) > 10;
        }).Select(j => terms[j]).ToList();
        if (runaway.Count > 0)
        {
            converged = false;
            message = $"the coefficient(s) of {string.Join(", ", runaway)} may be infinite (monotone pseudo-likelihood: the events are separated by the covariate)";
        }

        if (!converged)
        {
            message ??= $"no convergence in {options.MaxIterations} iterations";
        }

        var invInfo = Numerics.Cholesky.Inverse(info, p) ?? Enumerable.Repeat(double.NaN, p * p).ToArray();
        var variance = d.Sandwich(beta, sums, invInfo);
        double z = Numerics.Distributions.NormalQuantile((1 + options.Level) / 2);
        var se = Enumerable.Range(0, p).Select(j => Math.Sqrt(variance[(j * p) + j])).ToArray();
        return new FineGrayModel
        {
            Terms = terms,
            Coefficients = [.. beta],
            StdErr = [.. se],
            SubdistributionHazardRatio = [.. beta.Select(Math.Exp)],
            Lower = [.. beta.Select((b, j) => Math.Exp(b - (z * se[j])))],
            Upper = [.. beta.Select((b, j) => Math.Exp(b + (z * se[j])))],
            Z = [.. beta.Select((b, j) => b / se[j])],
            PValue = [.. beta.Select((b, j) => 2 * Numerics.Distributions.NormalTail(Math.Abs(b / se[j])))],
            Variance = [.. variance],
            InverseInformation = [.. invInfo],
            LogPseudoLikelihood = ll,
            LogPseudoLikelihoodNull = ll0,
            Iterations = iter,
            Converged = converged,
            ConvergenceMessage = converged ? null : message,
            GradientNorm = u.Length == 0 ? 0 : u.Max(Math.Abs),
            Observations = d.N,
            Events = d.Events,
            CompetingEvents = d.Competing,
            Level = options.Level,
            EventTimes = [.. sums.Select(s => s.Time)],
            BaselineJumps = [.. sums.Select(s => s.D / s.S0)],
            Center = d.Center,
        };
    }

    /// <summary>crr's variance in O(n p²): I⁻¹ (Σ_i η̃_i η̃_iᵀ) I⁻¹ with η̃_i = dN part − dΛ̂ part + ψ_i.</summary>
    private double[] Sandwich(double[] beta, List<EventSums> sums, double[] invInfo)
    {
        int n = N, p = P, m = TimeStart.Length;
        var e = new double[n];
        for (int i = 0; i < n; i++)
        {
            double eta = 0;
            for (int j = 0; j < p; j++)
            {
                eta += X[(i * p) + j] * beta[j];
            }

            e[i] = Math.Exp(eta);
        }

        // per distinct time index: the event sums (or none)
        var at = new EventSums?[m];
        foreach (var s in sums)
        {
            at[s.TimeIndex] = s;
        }

        // P0/P1: prefix over event times t_k ≤ t of d/S0 and d x̄/S0; Q0/Q1 (and R0/R1 with ≥): suffix of d Ĝ/S0, d Ĝ x̄/S0.
        var p0 = new double[m];
        var p1 = new double[m * p];
        double acc0 = 0;
        var acc1 = new double[p];
        for (int k = 0; k < m; k++)
        {
            if (at[k] is { } s)
            {
                acc0 += s.D / s.S0;
                for (int j = 0; j < p; j++)
                {
                    acc1[j] += s.D * (s.S1[j] / s.S0) / s.S0;
                }
            }

            p0[k] = acc0;
            Array.Copy(acc1, 0, p1, k * p, p);
        }

        var r0 = new double[m + 1];   // suffix from k (≥): R(k); Q(k) = R(k + 1) (strictly after)
        var r1 = new double[(m + 1) * p];
        for (int k = m - 1; k >= 0; k--)
        {
            r0[k] = r0[k + 1];
            Array.Copy(r1, (k + 1) * p, r1, k * p, p);
            if (at[k] is { } s)
            {
                r0[k] += s.D * s.GMinus / s.S0;
                for (int j = 0; j < p; j++)
                {
                    r1[(k * p) + j] += s.D * s.GMinus * (s.S1[j] / s.S0) / s.S0;
                }
            }
        }

        // q(u) at each distinct time u: C1(u) R0(u) − C0(u) R1(u), C = competing sums strictly before u (weights e/Ĝ).
        var q = new double[m * p];
        double c0 = 0;
        var c1 = new double[p];
        for (int k = 0; k < m; k++)
        {
            for (int j = 0; j < p; j++)
            {
                q[(k * p) + j] = (c1[j] * r0[k]) - (c0 * r1[(k * p) + j]);
            }

            int end = k + 1 < m ? TimeStart[k + 1] : n;
            for (int i = TimeStart[k]; i < end; i++)
            {
                if (S[i] == 2)
                {
                    double w = e[i] / G[i];
                    c0 += w;
                    for (int j = 0; j < p; j++)
                    {
                        c1[j] += w * X[(i * p) + j];
                    }
                }
            }
        }

        var meat = new double[p * p];
        var psiAcc = new double[p];
        var eta1 = new double[p];
        for (int k = 0; k < m; k++)
        {
            int end = k + 1 < m ? TimeStart[k + 1] : n;
            double y = CensorAtRisk[k];
            // censorings at u = this time enter every ψ from here on (crr adds them before scoring the tied subjects)
            for (int j = 0; j < p; j++)
            {
                psiAcc[j] -= Censored[k] * q[(k * p) + j] / (y * y);
            }

            for (int i = TimeStart[k]; i < end; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    double xi = X[(i * p) + j];
                    // dΛ̂ part: at risk with weight 1 at every event time ≤ T_i
                    double v = -e[i] * ((xi * p0[k]) - p1[(k * p) + j]);
                    if (S[i] == 2)
                    {
                        // competing: weight Ĝ(t−)/Ĝ(T_i−) at every event time after T_i
                        v -= (e[i] / G[i]) * ((xi * r0[k + 1]) - r1[((k + 1) * p) + j]);
                    }

                    if (S[i] == 1 && at[k] is { } s)
                    {
                        v += xi - (s.S1[j] / s.S0);
                    }

                    v += psiAcc[j];
                    if (S[i] == 0)
                    {
                        v += q[(k * p) + j] / y;
                    }

                    eta1[j] = v;
                }

                for (int a = 0; a < p; a++)
                {
                    for (int b = 0; b < p; b++)
                    {
                        meat[(a * p) + b] += eta1[a] * eta1[b];
                    }
                }
            }
        }

        var result = new double[p * p];
        for (int a = 0; a < p; a++)
        {
            for (int b = 0; b < p; b++)
            {
                double sum = 0;
                for (int c = 0; c < p; c++)
                {
                    for (int f = 0; f < p; f++)
                    {
                        sum += invInfo[(a * p) + c] * meat[(c * p) + f] * invInfo[(f * p) + b];
                    }
                }

                result[(a * p) + b] = sum;
            }
        }

        return result;
    }
}
