using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The validated, centred and sorted input of a Cox fit.</summary>
internal sealed class CoxData
{
    public int N { get; private init; }

    public int P { get; private init; }

    public required double[] X { get; init; }          // n × p row-major, centred; every column in (stratum, exit desc) order

    public required double[] Center { get; init; }

    public required double[] Time { get; init; }

    public required double[] Entry { get; init; }      // −∞ without delayed entry

    public required bool[] Status { get; init; }

    public required double[] Weight { get; init; }

    public required int[] Stratum { get; init; }

    public int[]? Cluster { get; init; }

    public int ClusterCount { get; init; }

    public bool HasEntry { get; init; }

    /// <summary>Weights are frequencies (each row stands for that many identical records): Efron's correction runs over
    /// the expanded deaths, so the fit equals the one on the expanded rows.</summary>
    public bool CountsMode { get; init; }

    public double Observations { get; init; }

    public required int[] EntryOrder { get; init; }    // positions by (stratum, entry desc); empty without delayed entry

    public required int[] StrataStart { get; init; }   // boundaries in both orders (count + 1)

    public int[] Order { get; init; } = [];            // the record at each sorted position

    public double Events { get; init; }

    /// <summary>The same records, times, weights and covariates with other events (one sort and one centred design for
    /// several models of the same data, such as the cause-specific models of competing risks).</summary>
    /// <exception cref="ArgumentException">No event.</exception>
    public CoxData WithEvents(ReadOnlySpan<bool> events)
    {
        Guard.SameLength(N, "records", events.Length, nameof(events));
        var status = new bool[N];
        double nevent = 0;
        for (int k = 0; k < N; k++)
        {
            status[k] = events[Order[k]];
            nevent += status[k] ? (CountsMode ? Weight[k] : 1) : 0;
        }

        if (nevent == 0)
        {
            throw new ArgumentException("events has no event; the Cox model is not identified.", nameof(events));
        }

        return new CoxData
        {
            N = N, P = P, X = X, Center = Center, Time = Time, Entry = Entry, Status = status, Weight = Weight, Stratum = Stratum,
            Cluster = Cluster, ClusterCount = ClusterCount, HasEntry = HasEntry, EntryOrder = EntryOrder, StrataStart = StrataStart,
            Events = nevent, Order = Order, CountsMode = CountsMode, Observations = Observations,
        };
    }

    public static CoxData Prepare(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, DesignMatrix covariates, CoxOptions options)
    {
        int n = durations.Length, p = covariates.Columns;
        Guard.NotEmpty(n, nameof(durations));
        Guard.SameLength(n, nameof(durations), events.Length, nameof(events));
        Guard.SameLength(n, nameof(durations), covariates.Rows, nameof(covariates));
        Guard.FiniteNonNegative(durations, nameof(durations));
        Guard.Level(options.Level, "options.Level");
        if (!Enum.IsDefined(options.Ties))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Ties, "options.Ties is not a defined TieMethod.");
        }

        if (options.EntryTimes is { } e)
        {
            Guard.SameLength(n, nameof(durations), e.Length, "options.EntryTimes");
            for (int i = 0; i < n; i++)
            {
                if (!double.IsFinite(e[i]) || !(e[i] < durations[i]))
                {
                    throw new ArgumentException($"options.EntryTimes[{i}] is {Guard.Show(e[i])}; an entry must be finite and before its exit {Guard.Show(durations[i])}.", nameof(options));
                }
            }
        }

        if (options.Weights is not null && options.Counts is not null)
        {
            throw new ArgumentException("options.Weights and options.Counts cannot both be set.", nameof(options));
        }

        double[]? weight = options.Counts ?? options.Weights;
        if (options.Counts is { } counts)
        {
            Guard.SameLength(n, nameof(durations), counts.Length, "options.Counts");
            for (int i = 0; i < n; i++)
            {
                if (!(counts[i] >= 1 && counts[i] <= int.MaxValue && counts[i] == Math.Floor(counts[i])))
                {
                    throw new ArgumentOutOfRangeException(nameof(options), counts[i], $"options.Counts[{i}] is {Guard.Show(counts[i])}; counts must be whole numbers >= 1.");
                }
            }
        }
        else if (options.Weights is { } w)
        {
            Guard.SameLength(n, nameof(durations), w.Length, "options.Weights");
            for (int i = 0; i < n; i++)
            {
                if (!(w[i] > 0 && double.IsFinite(w[i])))
                {
                    throw new ArgumentOutOfRangeException(nameof(options), w[i], $"options.Weights[{i}] is {Guard.Show(w[i])}; weights must be finite and > 0.");
                }
            }
        }

        int[]? stratum = null;
        int strata = 1;
        if (options.Strata is { } s)
        {
            Guard.SameLength(n, nameof(durations), s.Length, "options.Strata");
            var (levels, index) = LogRank.Encode<string>(s, "options.Strata");
            stratum = index;
            strata = levels.Length;
        }

        int[]? cluster = null;
        int clusters = 0;
        if (options.Cluster is { } c)
        {
            Guard.SameLength(n, nameof(durations), c.Length, "options.Cluster");
            var (levels, index) = LogRank.Encode<string>(c, "options.Cluster");
            cluster = index;
            clusters = levels.Length;
        }
        else if (options.Robust)
        {
            // coxph(robust = TRUE) without a cluster: every row is its own cluster
            cluster = [.. Enumerable.Range(0, n)];
            clusters = n;
        }

        // Sort once by (stratum, exit descending) and store every column in that order, so the likelihood scans read
        // memory sequentially: a stable radix order on −exit, then a stable counting pass by stratum.
        var byTime = Kernels.RadixOrder.Order(durations, descending: true);
        int[] starts;
        int[] exitOrder;
        if (stratum is null)
        {
            starts = [0, n];
            exitOrder = byTime;
        }
        else
        {
            starts = Kernels.Grouping.Starts(stratum, strata);
            exitOrder = Kernels.Grouping.Scatter(stratum, starts, byTime);
        }

        var times = new double[n];
        var sortedEntry = options.EntryTimes is null ? [] : new double[n];
        var sortedWeight = new double[n];
        var sortedStratum = new int[n];
        var sortedStatus = new bool[n];
        int[]? sortedCluster = cluster is null ? null : new int[n];
        // each record's sorted position: the per-record columns are read in record order and written to their
        // positions (one line written per record instead of one read per column)
        var position = new int[n];
        for (int k = 0; k < n; k++)
        {
            position[exitOrder[k]] = k;
        }

        for (int r = 0; r < n; r++)
        {
            int k = position[r];
            times[k] = durations[r];
            sortedWeight[k] = weight is null ? 1.0 : weight[r];
            sortedStatus[k] = events[r];
        }

        if (options.EntryTimes is { } entries)
        {
            for (int k = 0; k < n; k++)
            {
                sortedEntry[k] = entries[exitOrder[k]];
            }
        }

        if (stratum is not null)
        {
            for (int k = 0; k < n; k++)
            {
                sortedStratum[k] = stratum[exitOrder[k]];
            }
        }

        if (sortedCluster is not null)
        {
            for (int k = 0; k < n; k++)
            {
                sortedCluster[k] = cluster![exitOrder[k]];
            }
        }

        // the covariates centred at their means, written straight into the sorted row-major layout a record at a time
        // (its row one stretch of memory), in parallel blocks of records for large data
        var center = new double[p];
        var sortedX = new double[n * p];
        var cols = new double[p][];
        for (int j = 0; j < p; j++)
        {
            var col = covariates.Column(j);
            double mean = 0;
            for (int i = 0; i < n; i++)
            {
                mean += col[i];
            }

            center[j] = mean / n;
            cols[j] = col;
        }

        int blocks = Math.Max(1, Math.Min(64, n / 65536));
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = blocks == 1 ? 1 : -1 }, blk =>
        {
            int from = (int)((long)n * blk / blocks), until = (int)((long)n * (blk + 1) / blocks);
            for (int r = from; r < until; r++)
            {
                var row = sortedX.AsSpan(position[r] * p, p);
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = cols[j][r] - center[j];
                }
            }
        });

        int[] entryOrder = [];
        if (options.EntryTimes is not null)
        {
            // positions (in the sorted order) by (stratum, entry descending)
            var byEntry = Kernels.RadixOrder.Order(sortedEntry, descending: true);
            entryOrder = Kernels.Grouping.Scatter(sortedStratum, starts, byEntry);
        }

        double nevent = 0, totalCount = 0;
        for (int i = 0; i < n; i++)
        {
            nevent += events[i] ? (options.Counts is null ? 1 : options.Counts[i]) : 0;
            totalCount += options.Counts is null ? 0 : options.Counts[i];
        }

        if (options.Counts is not null && totalCount > int.MaxValue)
        {
            throw new ArgumentException($"options.Counts add up to more than {int.MaxValue} records.", nameof(options));
        }

        if (nevent == 0)
        {
            throw new ArgumentException("events has no event; the Cox model is not identified.", nameof(events));
        }

        return new CoxData
        {
            N = n, P = p, X = sortedX, Center = center, Time = times, Entry = sortedEntry, Status = sortedStatus, Weight = sortedWeight,
            Stratum = sortedStratum, Cluster = sortedCluster, ClusterCount = clusters, HasEntry = options.EntryTimes is not null,
            EntryOrder = entryOrder, StrataStart = starts, Events = nevent, Order = exitOrder,
            CountsMode = options.Counts is not null, Observations = options.Counts is null ? n : totalCount,
        };
    }
}

/// <summary>One event time of a stratum at the current β: what the score residuals and the baseline hazard need.</summary>
internal readonly record struct CoxEventTime(int Stratum, double Time, int Deaths, double WeightSum, double S0, double E0, double[] S1, double[] E1);

/// <summary>Newton-Raphson for the Cox partial likelihood (Efron or Breslow ties, weights, strata, delayed entry).</summary>
internal static class CoxFitter
{
    /// <summary>ℓ(β), the score and the information; optionally the per-time sums.</summary>
    public static (double LogLik, double[] Score, double[] Info) Evaluate(CoxData d, double[] beta, bool efron, List<CoxEventTime>? trace = null)
    {
        int n = d.N, p = d.P;
        // the linear predictor and the weighted risks in pooled scratch (large fits would otherwise put two arrays on
        // the large-object heap at every evaluation)
        var etaBuffer = System.Buffers.ArrayPool<double>.Shared.Rent(n);
        var riskBuffer = System.Buffers.ArrayPool<double>.Shared.Rent(n);
        try
        {
            return Evaluate(d, beta, efron, trace, etaBuffer.AsSpan(0, n), riskBuffer.AsSpan(0, n));
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(etaBuffer);
            System.Buffers.ArrayPool<double>.Shared.Return(riskBuffer);
        }
    }

    private static (double LogLik, double[] Score, double[] Info) Evaluate(CoxData d, double[] beta, bool efron, List<CoxEventTime>? trace, Span<double> eta, Span<double> risk)
    {
        int n = d.N, p = d.P;
        ReadOnlySpan<double> x = d.X;
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * p, p);
            double s = 0;
            for (int j = 0; j < row.Length; j++)
            {
                s += row[j] * beta[j];
            }

            eta[i] = s;
        }

        System.Numerics.Tensors.TensorPrimitives.Exp(eta, risk);
        System.Numerics.Tensors.TensorPrimitives.Multiply(risk, d.Weight, risk);

        ReadOnlySpan<double> time = d.Time, weight = d.Weight;
        bool dirty = true;
        ReadOnlySpan<bool> status = d.Status;
        double loglik = 0;
        var score = new double[p];
        var info = new double[p * p];
        var s1 = new double[p];
        var s2 = new double[p * p];
        var e1 = new double[p];
        var e2 = new double[p * p];
        var xsum = new double[p];
        var xbar = new double[p];
        for (int st = 0; st + 1 < d.StrataStart.Length; st++)
        {
            double s0 = 0;
            Array.Clear(s1);
            Array.Clear(s2);
            int lo = d.StrataStart[st], hi = d.StrataStart[st + 1];
            int i = lo, pn = lo;
            while (i < hi)
            {
                double t = time[i];
                int jEnd = i;
                int deaths = 0;
                double e0 = 0, wsum = 0;
                if (dirty)
                {
                    // the death sums are touched only at event times
                    Array.Clear(e1);
                    Array.Clear(e2);
                    Array.Clear(xsum);
                    dirty = false;
                }

                while (jEnd < hi && time[jEnd] == t)
                {
                    int r = jEnd;
                    var xr = x.Slice(r * p, p);
                    Add(xr, risk[r], ref s0, s1, s2);
                    if (status[r])
                    {
                        double wr = weight[r];
                        deaths += d.CountsMode ? (int)wr : 1;
                        wsum += wr;
                        loglik += wr * eta[r];
                        Add(xr, risk[r], ref e0, e1, e2);
                        for (int j = 0; j < xr.Length; j++)
                        {
                            xsum[j] += wr * xr[j];
                        }
                    }

                    jEnd++;
                }

                if (d.HasEntry)
                {
                    while (pn < hi && d.Entry[d.EntryOrder[pn]] >= t)
                    {
                        int r = d.EntryOrder[pn];
                        Add(x.Slice(r * p, p), -risk[r], ref s0, s1, s2);
                        pn++;
                    }
                }

                if (deaths > 0)
                {
                    dirty = true;
                    trace?.Add(new CoxEventTime(st, t, deaths, wsum, s0, e0, (double[])s1.Clone(), (double[])e1.Clone()));
                    for (int j = 0; j < p; j++)
                    {
                        score[j] += xsum[j];
                    }

                    int terms = efron ? deaths : 1;
                    double wk = efron ? wsum / deaths : wsum;
                    for (int k = 0; k < terms; k++)
                    {
                        double f = efron ? (double)k / deaths : 0;
                        double a = s0 - (f * e0);
                        loglik -= wk * Math.Log(a);
                        for (int j = 0; j < p; j++)
                        {
                            xbar[j] = (s1[j] - (f * e1[j])) / a;
                            score[j] -= wk * xbar[j];
                        }

                        for (int j = 0; j < p; j++)
                        {
                            for (int m = 0; m <= j; m++)
                            {
                                double v = wk * (((s2[(j * p) + m] - (f * e2[(j * p) + m])) / a) - (xbar[j] * xbar[m]));
                                info[(j * p) + m] += v;
                            }
                        }
                    }
                }

                i = jEnd;
            }
        }

        for (int j = 0; j < p; j++)
        {
            for (int m = 0; m < j; m++)
            {
                info[(m * p) + j] = info[(j * p) + m];
            }
        }

        return (loglik, score, info);
    }

    /// <summary>Adds w, w·x and the lower triangle of w·xxᵀ of one row to (s0, s1, s2).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Add(ReadOnlySpan<double> xr, double w, ref double s0, double[] s1, double[] s2)
    {
        int p = xr.Length;
        s0 += w;
        var sum1 = s1.AsSpan(0, p);
        for (int j = 0; j < p; j++)
        {
            double wx = w * xr[j];
            sum1[j] += wx;
            var row2 = s2.AsSpan(j * p, j + 1);
            for (int m = 0; m < row2.Length; m++)
            {
                row2[m] += wx * xr[m];
            }
        }
    }

    /// <summary>Terms whose coefficient times the covariate's standard deviation exceeds 10 (a hazard ratio of e^10 per
    /// standard deviation): the mark of a coefficient running off to infinity.</summary>
    private static List<string> Runaway(CoxData d, double[] beta, ImmutableArray<string> terms)
    {
        // a coefficient that moves the log hazard by more than 10 root-mean-square units, or by more than 25 (a hazard
        // ratio of e^25) across the observed range of its covariate (a rare level, or rows repeated by an expansion,
        // dilute the first measure), is a runaway one
        var list = new List<string>();
        for (int j = 0; j < d.P; j++)
        {
            double ss = 0;
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            for (int i = 0; i < d.N; i++)
            {
                double v = d.X[(i * d.P) + j];
                ss += v * v;
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }

            if (Math.Abs(beta[j]) * Math.Sqrt(ss / d.N) > 10 || Math.Abs(beta[j]) * (hi - lo) > 25)
            {
                list.Add(terms[j]);
            }
        }

        return list;
    }

    private static List<CoxEventTime> TraceAt(CoxData d, double[] beta, bool efron)
    {
        var trace = new List<CoxEventTime>();
        Evaluate(d, beta, efron, trace);
        return trace;
    }

    private static double Decrement(double[] u, double[] info, int p)
    {
        var x = Numerics.Cholesky.Solve(info, u, p);
        return x is null ? double.PositiveInfinity : x.Select((v, j) => v * u[j]).Sum();
    }

    private static double ChiSquareP(double stat, int df) =>
        double.IsNaN(stat) ? double.NaN : Numerics.Distributions.GammaTail(df / 2.0, Math.Max(0, stat) / 2, upper: true);

    public static CoxModel Run(CoxData d, ImmutableArray<string> terms, CoxOptions options)
    {
        int p = d.P;
        bool efron = options.Ties == TieMethod.Efron;
        var beta = new double[p];
        var (ll0, u0, i0) = Evaluate(d, beta, efron);
        var v0 = Numerics.Cholesky.Solve(i0, u0, p);
        double scoreStat = v0 is null ? double.NaN : v0.Select((v, j) => v * u0[j]).Sum();
        double ll = ll0;
        var u = u0;
        var info = i0;
        bool converged = false;
        string? message = null;
        int iter = 0;
        List<CoxEventTime>? trace = null;

        // Scale invariance: case weights c·w give the same β̂ with ℓ, U and I multiplied by c, so the tests below measure
        // steps in standard errors of unit mean weight and changes of ℓ relative to |ℓ(0)| (coxph's test is relative
        // too): weights of 1e-50 or 1e100 converge where weights of 1 do.
        double weightScale = 1;
        if (!d.CountsMode)
        {
            double sw = 0;
            for (int i = 0; i < d.N; i++)
            {
                sw += d.Weight[i];
            }

            weightScale = sw > 0 && double.IsFinite(sw) ? sw / d.N : 1;
        }

        double llScale = Math.Abs(ll0) > 0 && double.IsFinite(ll0) ? Math.Abs(ll0) : weightScale;
        for (iter = 1; iter <= options.MaxIterations; iter++)
        {
            var step = Numerics.Cholesky.Solve(info, u, p);
            if (step is null)
            {
                var runaway = Runaway(d, beta, terms);
                message = runaway.Count > 0
                    ? $"the information vanished while the coefficient(s) of {string.Join(", ", runaway)} grew: they may be infinite (monotone likelihood, e.g. a group without events)"
                    : "the information matrix is singular (a covariate is constant or collinear with others)";
                break;
            }

            var inv = Numerics.Cholesky.Inverse(info, p)!;
            double size = 0;
            for (int j = 0; j < p; j++)
            {
                size = Math.Max(size, Math.Abs(step[j]) / Math.Sqrt(Math.Max(inv[(j * p) + j] * weightScale, double.Epsilon)));
            }

            var next = beta.Select((b, j) => b + step[j]).ToArray();
            // the per-time sums of the last evaluation are kept for the robust variance; the baseline hazard (built on
            // first use) evaluates them again, so a fit that never predicts does not pay for them
            bool last = size < 1e-10;
            var finalTrace = last && d.Cluster is not null ? new List<CoxEventTime>() : null;
            var (lln, un, inn) = Evaluate(d, next, efron, finalTrace);
            if (last)
            {
                beta = next;
                (ll, u, info) = (lln, un, inn);
                converged = double.IsFinite(ll);
                trace = finalTrace;
                break;
            }

            // Near the maximum the change of ℓ falls below its rounding; there the step is judged by the Newton
            // decrement UᵀI⁻¹U (the squared distance to the maximum in standard errors), which keeps shrinking.
            double decrement = Decrement(u, info, p);
            bool Better(double l, double[] uu, double[] ii) =>
                double.IsFinite(l) && (l > ll || (Math.Abs(l - ll) <= 1e-11 * Math.Max(llScale, Math.Abs(ll)) && Decrement(uu, ii, p) < decrement));

            int halvings = 0;
            while (!Better(lln, un, inn) && halvings < 60)
            {
                for (int j = 0; j < p; j++)
                {
                    step[j] /= 2;
                    next[j] = beta[j] + step[j];
                }

                (lln, un, inn) = Evaluate(d, next, efron);
                halvings++;
            }

            if (!Better(lln, un, inn))
            {
                message = "the likelihood could not be increased (step halving failed)";
                break;
            }

            bool flat = Math.Abs(lln - ll) <= 1e-14 * Math.Max(llScale, Math.Abs(ll));
            beta = next;
            (ll, u, info) = (lln, un, inn);
            if (flat && size > 1e-4)
            {
                // The likelihood no longer changes but the coefficients still move: monotone likelihood.
                var runaway = Enumerable.Range(0, p).Where(j => Math.Abs(step[j]) > 1e-6).Select(j => terms[j]);
                message = $"the log-likelihood converged before the coefficients; the coefficient(s) of {string.Join(", ", runaway)} may be infinite (monotone likelihood, e.g. a group without events)";
                break;
            }
        }

        if (Runaway(d, beta, terms) is { Count: > 0 } runawayTerms)
        {
            // The Newton steps vanish also when both the score and the information vanish far out on a monotone
            // likelihood (a hazard ratio of e^10 per standard deviation and more): that is no finite maximum.
            converged = false;
            message = $"the coefficient(s) of {string.Join(", ", runawayTerms)} may be infinite (monotone likelihood: the events are separated by the covariate)";
        }

        if (!converged && message is null)
        {
            message = $"no convergence in {options.MaxIterations} iterations";
        }

        var naive = Numerics.Cholesky.Inverse(info, p);
        if (naive is null)
        {
            converged = false;
            message ??= "the information matrix at the estimate is singular";
            naive = Enumerable.Repeat(double.NaN, p * p).ToArray();
        }

        if (trace is null && d.Cluster is not null)
        {
            trace = TraceAt(d, beta, efron);
        }

        var variance = naive;
        if (d.Cluster is not null)
        {
            variance = CoxResiduals.Robust(d, beta, naive, trace!, efron);
        }

        double z = Numerics.Distributions.NormalQuantile((1 + options.Level) / 2);
        var se = Enumerable.Range(0, p).Select(j => Math.Sqrt(variance[(j * p) + j])).ToArray();
        // coxph's wald.test: b'V⁻b by the generalized Cholesky (a rank-deficient robust variance gives the test on its span)
        var waldSolve = Numerics.Cholesky.SolveGeneralized(variance, beta, p);
        double wald = waldSolve.Select((v, j) => v * beta[j]).Sum();
        double lr = 2 * (ll - ll0);
        bool stratified = d.StrataStart.Length > 2;
        return new CoxModel
        {
            Terms = terms,
            Coefficients = [.. beta],
            StdErr = [.. se],
            HazardRatio = [.. beta.Select(Math.Exp)],
            Lower = [.. beta.Select((b, j) => Math.Exp(b - (z * se[j])))],
            Upper = [.. beta.Select((b, j) => Math.Exp(b + (z * se[j])))],
            Z = [.. beta.Select((b, j) => b / se[j])],
            PValue = [.. beta.Select((b, j) => 2 * Numerics.Distributions.NormalTail(Math.Abs(b / se[j])))],
            Variance = [.. variance],
            NaiveVariance = [.. naive],
            LogLikelihoodNull = ll0,
            LogLikelihood = ll,
            LikelihoodRatio = new TestResult(lr, p, ChiSquareP(lr, p)),
            Wald = new TestResult(wald, p, ChiSquareP(wald, p)),
            Score = new TestResult(scoreStat, p, ChiSquareP(scoreStat, p)),
            Observations = (int)d.Observations,
            Events = (int)d.Events,
            Iterations = iter,
            Converged = converged,
            ConvergenceMessage = converged ? null : message,
            GradientNorm = u.Length == 0 ? 0 : u.Max(Math.Abs),
            Level = options.Level,
            Ties = options.Ties,
            Stratified = stratified,
            BaselineSource = stratified ? null : new Lazy<CoxBaseline>(() => CoxResiduals.Baseline(d, beta, trace ?? TraceAt(d, beta, efron), efron)),
        };
    }
}
