using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CarTRisk;

/// <summary>Options of <see cref="MultiState.AalenJohansen"/>.</summary>
public sealed record MultiStateOptions
{
    /// <summary>Censor state "censor", no initial states, no weights, timefix.</summary>
    public static MultiStateOptions Default { get; } = new();

    /// <summary>The toState value that means "no transition at the row's stop"; "censor".</summary>
    public string CensorState { get; init; } = "censor";

    /// <summary>Per row, the state at the row's start (survfit's istate); the state of a subject's first row is its
    /// initial state. Null: every subject starts in "(s0)".</summary>
    public IReadOnlyList<string>? InitialStates { get; init; }

    /// <summary>Case weights per row, finite and ≥ 0, the same on every row of a subject; null = 1.</summary>
    public double[]? Weights { get; init; }

    /// <summary>Merge near-tied times as survfit's timefix (aeqSurv); true.</summary>
    public bool TimeFix { get; init; } = true;

    /// <summary>Force the grouped (true) or per-subject (false) influence bookkeeping; null chooses by size (tests).</summary>
    internal bool? Grouped { get; init; }
}

/// <summary>A transition between two states.</summary>
/// <param name="From">The state left.</param>
/// <param name="To">The state entered.</param>
public readonly record struct MultiStateTransition(string From, string To);

/// <summary>The state probabilities at one time (= <c>summary(fit, times = t, extend = TRUE)</c>).</summary>
public sealed class MultiStatePoint
{
    internal MultiStatePoint()
    {
    }

    /// <summary>The time asked for.</summary>
    public double Time { get; internal init; }

    /// <summary>The states.</summary>
    public ImmutableArray<string> States { get; internal init; }

    /// <summary>P(state) at the last fit time ≤ Time (the initial distribution before the first).</summary>
    public ImmutableArray<double> Probability { get; internal init; }

    /// <summary>Infinitesimal-jackknife standard errors, same order.</summary>
    public ImmutableArray<double> StdErr { get; internal init; }

    /// <summary>Numbers at risk at the first fit time ≥ Time (zeros after the last), unweighted.</summary>
    public ImmutableArray<int> AtRisk { get; internal init; }

    /// <summary>The table: state, number at risk, probability, SE (numbers at risk are counts: disclosure rules apply).</summary>
    /// <returns>The table.</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var table = new ResultTable($"State probabilities at {Time.ToString("0.##", c)}", "State", "At risk", "Probability", "SE");
        for (int s = 0; s < States.Length; s++)
        {
            var n = new CountCell(AtRisk[s]);
            table.AddRow(new TextCell(States[s]), n, new DerivedCell(Probability[s].ToString("0.0000", c), n) { Reveals = [] },
                new DerivedCell(StdErr[s].ToString("0.0000", c), n) { Reveals = [] });
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText(DisclosurePolicy.Default);
}

/// <summary>An Aalen-Johansen fit of a multi-state model (= <c>survfit(Surv(start, stop, state) ~ 1, id = id)</c>).</summary>
public sealed class MultiStateCurve
{
    internal MultiStateCurve()
    {
    }

    /// <summary>The states (= <c>fit$states</c>).</summary>
    public ImmutableArray<string> States { get; internal init; }

    /// <summary>The distinct stop times, events and censorings (= <c>fit$time</c>).</summary>
    public ImmutableArray<double> Times { get; internal init; }

    /// <summary>P(state at t), row-major Times × States (= <c>fit$pstate</c>).</summary>
    public ImmutableArray<double> Probability { get; internal init; }

    /// <summary>Infinitesimal-jackknife standard errors, same shape (= <c>fit$std.err</c>).</summary>
    public ImmutableArray<double> StdErr { get; internal init; }

    /// <summary>Numbers at risk in each state, unweighted, same shape (= <c>fit$n.risk</c>).</summary>
    public ImmutableArray<int> AtRisk { get; internal init; }

    /// <summary>The observed transitions, in the column order of <see cref="CumulativeHazard"/>.</summary>
    public ImmutableArray<MultiStateTransition> Transitions { get; internal init; }

    /// <summary>The number of observed transitions of each kind (unweighted; = the non-zero cells of <c>fit$transitions</c>),
    /// in the order of <see cref="Transitions"/>. Counts: the disclosure rules apply where they are shown.</summary>
    public ImmutableArray<int> TransitionCounts { get; internal init; }

    /// <summary>The number of transitions of each kind at each time (unweighted), row-major Times × Transitions; summed
    /// over the transitions into a state it is survival 3.5's <c>fit$n.event</c> column of that state. Counts: the disclosure rules apply where they are shown (the state-occupation figure
    /// steps only where enough of them have accumulated).</summary>
    public ImmutableArray<int> Events { get; internal init; }

    /// <summary>Nelson-Aalen cumulative hazards, row-major Times × Transitions (= <c>fit$cumhaz</c>).</summary>
    public ImmutableArray<double> CumulativeHazard { get; internal init; }

    /// <summary>The state probabilities at the start, before the first time (= <c>fit$p0</c>).</summary>
    public ImmutableArray<double> InitialProbability => [.. Initial];

    internal double[] Initial { get; init; } = [];

    internal double[] InitialStdErr { get; init; } = [];

    /// <summary>The probabilities, standard errors and numbers at risk at <paramref name="t"/> (= <c>summary(fit, times =
    /// t, extend = TRUE)</c>).</summary>
    /// <param name="t">The time, finite.</param>
    /// <returns>The point.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is not finite.</exception>
    public MultiStatePoint At(double t)
    {
        if (!double.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, "the time must be finite.");
        }

        int s = States.Length;
        int last = SortedSearch.CountAtMost(Times.AsSpan(), t) - 1;
        int first = last >= 0 && Times[last] == t ? last : last + 1;
        var p = last < 0 ? Initial : Enumerable.Range(0, s).Select(k => Probability[(last * s) + k]).ToArray();
        var se = last < 0 ? InitialStdErr : Enumerable.Range(0, s).Select(k => StdErr[(last * s) + k]).ToArray();
        var n = first < Times.Length ? Enumerable.Range(0, s).Select(k => AtRisk[(first * s) + k]).ToArray() : new int[s];
        return new MultiStatePoint { Time = t, States = States, Probability = [.. p], StdErr = [.. se], AtRisk = [.. n] };
    }

    /// <summary>The state probabilities at the given times (default: every full year within follow-up) with numbers at
    /// risk, through the disclosure rules (a state with 1..threshold − 1 at risk has its row withheld).</summary>
    /// <param name="times">The times; null = 365, 730, ... up to the last time.</param>
    /// <returns>The table.</returns>
    public ResultTable ToTable(IReadOnlyList<double>? times = null)
    {
        var c = CultureInfo.InvariantCulture;
        double lastTime = Times.Length == 0 ? 0 : Times[^1];
        times ??= [.. Enumerable.Range(1, Math.Max(1, (int)(lastTime / 365))).Select(k => k * 365.0)];
        var table = new ResultTable("Multi-state Aalen-Johansen: probability of each state", "Time", "State", "At risk", "Probability", "95% CI")
        {
            Note = "= survfit(Surv(start, stop, state) ~ 1, id = id); infinitesimal-jackknife standard errors",
        };
        double z = Numerics.Distributions.NormalQuantile(0.975);
        foreach (double t in times)
        {
            var pt = At(t);
            for (int s = 0; s < States.Length; s++)
            {
                var n = new CountCell(pt.AtRisk[s]);
                double lo = Math.Max(0, pt.Probability[s] - (z * pt.StdErr[s]));
                double hi = Math.Min(1, pt.Probability[s] + (z * pt.StdErr[s]));
                table.AddRow(new TextCell(t.ToString("0.##", c)), new TextCell(States[s]), n,
                    new DerivedCell(pt.Probability[s].ToString("0.0000", c), n) { Reveals = [] },
                    new DerivedCell($"{lo.ToString("0.0000", c)} to {hi.ToString("0.0000", c)}", n) { Reveals = [] });
            }
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText(DisclosurePolicy.Default);
}

/// <summary>Multi-state models: the Aalen-Johansen estimator of state occupancy over (start, stop] rows.</summary>
public static class MultiState
{
    /// <summary>From this many rows the influence is kept in groups by anchor time (<see cref="PathInfluence"/>),
    /// below it per subject (<see cref="SlotInfluence"/>, survfit's own bookkeeping); the two agree to rounding (tested).</summary>
    internal const int GroupedFromRows = 50_000;

    /// <summary>The Aalen-Johansen estimate of the probability of being in each state, with infinitesimal-jackknife
    /// standard errors (= <c>survfit(Surv(start, stop, factor(toState, levels = c(CensorState, S))) ~ 1, id = ids,
    /// istate, weights, timefix)</c>). A subject's first row starts in its initial state; a row that ends in a
    /// transition puts the subject in the new state for its next row; a censor row keeps the state. At each distinct
    /// stop time t, among rows with start &lt; t ≤ stop, dA_jk = Σw(j→k at t)/Σw(at risk in j) and p(t) = p(t−)(I + dA).
    /// The IJ influence of subject i: U_i(t) = U_i(t−)(I + dA) + p(t−)·∂(I + dA)/∂w_i, ∂dA_jk/∂w_i = (δ_ijk − dA_jk)/n_j
    /// for i at risk in j; se² = Σ_i (w_i U_i)², collapsed by id. As survival 3.5-3: p(0) is the weighted distribution of
    /// the states of the rows at risk at the first transition time t₀ (start &lt; t₀ ≤ stop), and its own influence is not
    /// in the standard error (survfit's default influence = FALSE); the times are every distinct stop time. Below 50,000
    /// rows each subject's influence is updated at every transition time, as survfit does; from 50,000 rows subjects are
    /// held in groups by the time they last changed (U_i = u_i·Π H + w_i·Q, a few S × S products per group and time),
    /// each subject visited only where it changes, which agrees with the per-subject sums to rounding and is many times
    /// faster at 10⁶ subjects.</summary>
    /// <param name="start">Row starts.</param>
    /// <param name="stop">Row stops, after their starts.</param>
    /// <param name="toState">The state entered at the row's stop, or the censor state.</param>
    /// <param name="ids">The subject of each row.</param>
    /// <param name="options">Censor state, initial states, weights, timefix; null = defaults.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">Lengths differ; a non-finite time, a stop not after its start, a missing state
    /// or id; overlapping rows of one subject; weights that differ within a subject or are negative (index named).</exception>
    public static MultiStateCurve AalenJohansen(ReadOnlySpan<double> start, ReadOnlySpan<double> stop, IReadOnlyList<string> toState,
        IReadOnlyList<string> ids, MultiStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(toState);
        ArgumentNullException.ThrowIfNull(ids);
        options ??= MultiStateOptions.Default;
        int n = start.Length;
        Guard.NotEmpty(n, nameof(start));
        Guard.SameLength(n, nameof(start), stop.Length, nameof(stop));
        Guard.SameLength(n, nameof(start), toState.Count, nameof(toState));
        Guard.SameLength(n, nameof(start), ids.Count, nameof(ids));
        if (options.InitialStates is { } ist)
        {
            Guard.SameLength(n, nameof(start), ist.Count, "options.InitialStates");
        }

        var toStates = Strings(toState);
        var idList = Strings(ids);
        // no weights: all 1 (w stays null); the inputs are read where they are unless timefix moves a time
        var w = options.Weights;
        if (w is not null)
        {
            Guard.SameLength(n, nameof(start), w.Length, "options.Weights");
        }

        ReadOnlySpan<double> a = start, b = stop;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(a[i]) || !double.IsFinite(b[i]) || !(a[i] < b[i]))
            {
                throw new ArgumentException($"row {i}: (start, stop] = ({Guard.Show(a[i])}, {Guard.Show(b[i])}]; both must be finite with start < stop.", nameof(stop));
            }

            if (toStates[i] is null || idList[i] is null)
            {
                throw new ArgumentException($"row {i} has no {(toStates[i] is null ? "state" : "id")}.", toStates[i] is null ? nameof(toState) : nameof(ids));
            }

            if (w is not null && (!double.IsFinite(w[i]) || w[i] < 0))
            {
                throw new ArgumentException($"Weights[{i}] is {Guard.Show(w[i])}; weights must be finite and >= 0.", nameof(options));
            }
        }

        // near ties cannot occur among non-negative whole numbers below 1/tol: no sort needed then
        var scanB = Kernels.TableKernels.Scan(b);
        bool plainIntegers = Kernels.TableKernels.Scan(a) is { FirstInvalid: < 0 } sa && !TimeFix.MayApply(sa)
            && scanB is { FirstInvalid: < 0 } && !TimeFix.MayApply(scanB);
        if (options.TimeFix && !plainIntegers && TimeFix.Apply(b, a) is { } fix)
        {
            b = fix.Exit;
            a = fix.Entry!;
        }

        // states: (s0) then the entered states, or exactly the states named (with initial states), ordinal order
        string censor = options.CensorState;
        var values = new List<string>();
        var toCode = Codes(toStates, values);
        var named = new SortedSet<string>(values.Where(v => v != censor), StringComparer.Ordinal);

        if (options.InitialStates is { } init)
        {
            foreach (string s in init)
            {
                named.Add(s ?? throw new ArgumentException("an initial state is missing.", nameof(options)));
            }
        }

        var states = options.InitialStates is null ? ["(s0)", .. named] : named.ToArray();
        var stateIndex = states.Select((s, k) => (s, k)).ToDictionary(x => x.s, x => x.k, StringComparer.Ordinal);
        int S = states.Length;

        // the state each row enters (-1: censored)
        var codeState = values.Select(v => v == censor ? -1 : stateIndex[v]).ToArray();
        var toIndex = toCode;
        for (int i = 0; i < n; i++)
        {
            toIndex[i] = codeState[toCode[i]];
        }

        // subjects (ordinal of first appearance) and their rows in time order (offsets into one array), the state of
        // each row
        var (subject, m, runStarts) = SubjectCodes(idList);

        // each subject's rows (row r of the list is rowList[r], or r itself while rowList is null: each subject's rows
        // together and in time order)
        int[] rowOffset;
        int[]? rowList = null;
        if (runStarts is not null)
        {
            rowOffset = runStarts;
        }
        else
        {
            rowOffset = Kernels.Grouping.Starts(subject!, m);
            rowList = Kernels.Grouping.Scatter(subject!, rowOffset);
        }

        var rowState = new int[n];
        var subjectWeight = w is null ? null : new double[m];
        for (int sj = 0; sj < m; sj++)
        {
            int from = rowOffset[sj], count = rowOffset[sj + 1] - from;
            bool ordered = true;
            for (int r = from + 1; r < from + count && ordered; r++)
            {
                int x = rowList is null ? r - 1 : rowList[r - 1], y = rowList is null ? r : rowList[r];
                ordered = a[x] < a[y] || (a[x] == a[y] && x < y);
            }

            if (!ordered && rowList is null)
            {
                rowList = new int[n];
                for (int i = 0; i < n; i++)
                {
                    rowList[i] = i;
                }
            }

            Span<int> rows = rowList is null ? default : rowList.AsSpan(from, count);
            if (!ordered)
            {
                // by start, ties in row order
                var byStart = new (double Start, int Row)[rows.Length];
                for (int r = 0; r < rows.Length; r++)
                {
                    byStart[r] = (a[rows[r]], rows[r]);
                }

                Array.Sort(byStart);
                for (int r = 0; r < rows.Length; r++)
                {
                    rows[r] = byStart[r].Row;
                }
            }

            int first = rowList is null ? from : rows[0];
            int state = options.InitialStates is { } iv ? stateIndex[iv[first]] : 0;
            if (subjectWeight is not null)
            {
                subjectWeight[sj] = w![first];
            }

            for (int r = 0; r < count; r++)
            {
                int row = rowList is null ? from + r : rows[r];
                int previous = r == 0 ? -1 : rowList is null ? row - 1 : rows[r - 1];
                if (r > 0 && a[row] < b[previous])
                {
                    throw new ArgumentException($"rows {previous} and {row} of subject '{ids[row]}' overlap.", nameof(start));
                }

                if (subjectWeight is not null && w![row] != subjectWeight[sj])
                {
                    throw new ArgumentException($"Weights[{row}] differs from the weight of subject '{ids[row]}' on row {first}.", nameof(options));
                }

                rowState[row] = state;
                if (toIndex[row] >= 0)
                {
                    state = toIndex[row];
                }
            }
        }

        // the times: every distinct stop, ascending; each row is at risk at the times lo..hi (indices), start < t <= stop
        var times = DistinctStops(b, plainIntegers ? scanB.Max : double.NaN);
        int T = times.Length;
        var lo = new int[n];
        var hi = new int[n];
        TimeIndices(times, a, b, plainIntegers, lo, hi);

        // time 0 as survival 3.5-3's survfitCI: the first transition time (the last stop when there is none); the
        // initial distribution is that of the rows at risk then (start < t0 <= stop), weighted, by the state of each row.
        // Its influence is not part of std.err (survfit's default influence = FALSE leaves it out)
        int i0 = T - 1;
        for (int i = 0; i < n; i++)
        {
            if (toIndex[i] >= 0)
            {
                i0 = Math.Min(i0, hi[i]);
            }
        }

        var p = new double[S];
        double W0 = 0;
        for (int i = 0; i < n; i++)
        {
            if (lo[i] <= i0 && hi[i] >= i0)
            {
                W0 += Weight(w, i);
            }
        }

        if (!(W0 > 0))
        {
            throw new ArgumentException($"no row with a positive weight is at risk at the first transition time {Guard.Show(times[i0])}.", nameof(start));
        }

        for (int i = 0; i < n; i++)
        {
            if (lo[i] <= i0 && hi[i] >= i0)
            {
                p[rowState[i]] += Weight(w, i) / W0;
            }
        }

        var initial = (double[])p.Clone();
        var initialSe = new double[S];

        // the observed transitions (to, then from), and per time: the weight entering (and leaving) each state's risk
        // set, the weight and number of each transition, whether any row ends in a state then
        int S2 = S * S;
        var pairCount = new int[S2];
        for (int i = 0; i < n; i++)
        {
            if (toIndex[i] >= 0)
            {
                pairCount[(rowState[i] * S) + toIndex[i]]++;
            }
        }

        var transitions = Enumerable.Range(0, S2).Where(q => pairCount[q] > 0).Select(q => (From: q / S, To: q % S))
            .OrderBy(x => x.To).ThenBy(x => x.From).ToArray();
        int C = transitions.Length;
        var columnOf = new int[S2];
        Array.Fill(columnOf, -1);
        for (int col = 0; col < C; col++)
        {
            columnOf[(transitions[col].From * S) + transitions[col].To] = col;
        }

        var enterW = new double[(T + 1) * S];
        var enterN = new int[(T + 1) * S];
        var dWAt = new double[T * S2];
        var stepAt = new bool[T];
        var events = new int[T * C];
        for (int i = 0; i < n; i++)
        {
            int j = rowState[i], k = toIndex[i];
            double wi = Weight(w, i);
            enterW[(lo[i] * S) + j] += wi;
            enterW[((hi[i] + 1) * S) + j] -= wi;
            enterN[(lo[i] * S) + j]++;
            enterN[((hi[i] + 1) * S) + j]--;
            if (k >= 0)
            {
                stepAt[hi[i]] = true;
                dWAt[(hi[i] * S2) + (j * S) + k] += wi;
                events[(hi[i] * C) + columnOf[(j * S) + k]]++;
            }
        }

        // the sweep over the times: n_j(t) the weight at risk in j, dA_jk = dW_jk / n_j, p(t) = p(t-) (I + dA); kept per
        // time for the influence: dA, the at-risk terms per unit weight c_jk = p_j dA_jk / n_j, and p_j / n_j (the dN
        // term of a subject moving out of j is its weight times it)
        var prob = new double[T * S];
        var se = new double[T * S];
        var atRisk = new int[T * S];
        var cumhaz = new double[T * C];
        var cum = new double[C];
        var dAAt = new double[T * S2];
        var cAt = new double[T * S2];
        var fAt = new double[T * S];
        var nW = new double[S];
        var nCount = new int[S];
        var next = new double[S];
        for (int ti = 0; ti < T; ti++)
        {
            for (int j = 0; j < S; j++)
            {
                nW[j] += enterW[(ti * S) + j];
                nCount[j] += enterN[(ti * S) + j];
                atRisk[(ti * S) + j] = nCount[j];
            }

            if (stepAt[ti])
            {
                var dW = dWAt.AsSpan(ti * S2, S2);
                var dA = dAAt.AsSpan(ti * S2, S2);
                var c = cAt.AsSpan(ti * S2, S2);
                for (int j = 0; j < S; j++)
                {
                    for (int k = 0; k < S; k++)
                    {
                        if (k != j && dW[(j * S) + k] > 0 && nW[j] > 0)
                        {
                            double h = dW[(j * S) + k] / nW[j];
                            dA[(j * S) + k] = h;
                            dA[(j * S) + j] -= h;
                            cum[columnOf[(j * S) + k]] += h;
                        }
                    }
                }

                for (int j = 0; j < S; j++)
                {
                    if (nW[j] > 0)
                    {
                        fAt[(ti * S) + j] = p[j] / nW[j];
                    }

                    for (int k = 0; k < S; k++)
                    {
                        if (k != j && dA[(j * S) + k] != 0)
                        {
                            c[(j * S) + k] = p[j] * dA[(j * S) + k] / nW[j];
                        }
                    }
                }

                for (int k = 0; k < S; k++)
                {
                    double v = p[k];
                    for (int j = 0; j < S; j++)
                    {
                        v += p[j] * dA[(j * S) + k];
                    }

                    next[k] = v;
                }

                next.CopyTo(p, 0);
            }

            Array.Copy(p, 0, prob, ti * S, S);
            Array.Copy(cum, 0, cumhaz, ti * C, C);
        }

        // the infinitesimal-jackknife standard errors: small data subject by subject at every time (survfit's way),
        // large data in groups (PathInfluence)
        var sweep = new InfluenceInputs(S, T, stepAt, dAAt, cAt, fAt, rowOffset, rowList, lo, hi, rowState, toIndex, subjectWeight);
        if ((options.Grouped ?? n >= GroupedFromRows) && S <= PathInfluence.MostStates)
        {
            PathInfluence.StdErrs(sweep, se);
        }
        else
        {
            SlotInfluence.StdErrs(sweep, se);
        }

        return new MultiStateCurve
        {
            States = [.. states],
            Times = [.. times],
            Probability = [.. prob],
            StdErr = [.. se],
            AtRisk = [.. atRisk],
            Transitions = [.. transitions.Select(x => new MultiStateTransition(states[x.From], states[x.To]))],
            TransitionCounts = [.. transitions.Select(x => pairCount[(x.From * S) + x.To])],
            CumulativeHazard = [.. cumhaz],
            Events = ImmutableCollectionsMarshal.AsImmutableArray(events),
            Initial = initial,
            InitialStdErr = initialSe,
        };
    }

    /// <summary>The distinct values of <paramref name="b"/>, ascending: through a table of the whole numbers 0..max when
    /// they are all whole numbers of a range comparable with their count (<paramref name="integerMax"/> not NaN), else a
    /// radix order.</summary>
    private static double[] DistinctStops(ReadOnlySpan<double> b, double integerMax)
    {
        if (!double.IsNaN(integerMax) && integerMax <= (4.0 * b.Length) + 4096)
        {
            var seen = new bool[(int)integerMax + 1];
            foreach (double v in b)
            {
                seen[(int)v] = true;
            }

            var list = new List<double>();
            for (int v = 0; v < seen.Length; v++)
            {
                if (seen[v])
                {
                    list.Add(v);
                }
            }

            return [.. list];
        }

        var order = Kernels.RadixOrder.Order(b, descending: false);
        var distinct = new List<double>();
        foreach (int i in order)
        {
            if (distinct.Count == 0 || b[i] != distinct[^1])
            {
                distinct.Add(b[i]);
            }
        }

        return [.. distinct];
    }

    /// <summary>Each row's first and last time index at risk: lo = #{times ≤ start}, hi = the index of its stop.</summary>
    private static void TimeIndices(double[] times, ReadOnlySpan<double> a, ReadOnlySpan<double> b, bool integers, int[] lo, int[] hi)
    {
        int T = times.Length;
        double last = times[T - 1];
        if (integers && last <= (4.0 * a.Length) + 4096)
        {
            // whole numbers: #{times <= v} for every v in 0..max by one table
            var atMost = new int[(int)last + 1];
            int q = 0;
            for (int v = 0; v < atMost.Length; v++)
            {
                while (q < T && times[q] <= v)
                {
                    q++;
                }

                atMost[v] = q;
            }

            for (int i = 0; i < a.Length; i++)
            {
                lo[i] = atMost[(int)a[i]];
                hi[i] = atMost[(int)b[i]] - 1;
            }

            return;
        }

        var span = times.AsSpan();
        for (int i = 0; i < a.Length; i++)
        {
            lo[i] = SortedSearch.CountAtMost(span, a[i]);
            hi[i] = SortedSearch.CountAtMost(span, b[i]) - 1;
        }
    }

    /// <summary>Each value's code (ordinal of first appearance); a row that repeats the previous row's value skips the
    /// dictionary, as does (with <paramref name="values"/>, a column of few distinct values) a string instance seen
    /// before. The dictionary is sized by the number of runs of equal values. With <paramref name="values"/>, the
    /// distinct values in code order are collected there.</summary>
    private static int[] Codes(ReadOnlySpan<string> column, List<string>? values)
    {
        int runs = 0;
        for (int i = 0; i < column.Length; i++)
        {
            if (i == 0 || !(ReferenceEquals(column[i], column[i - 1]) || string.Equals(column[i], column[i - 1], StringComparison.Ordinal)))
            {
                runs++;
            }
        }

        var codes = new Dictionary<string, int>(values is null ? runs : Math.Min(runs, 1024), StringComparer.Ordinal);
        var cacheRefs = values is null ? null : new object?[256];
        var cacheCodes = new int[256];
        var result = new int[column.Length];
        string? previous = null;
        int code = -1;
        for (int i = 0; i < column.Length; i++)
        {
            string v = column[i];
            if (previous is null || !(ReferenceEquals(v, previous) || string.Equals(v, previous, StringComparison.Ordinal)))
            {
                int before = codes.Count;
                code = cacheRefs is null ? NameCodes.Code(codes, v) : NameCodes.Code(codes, v, cacheRefs, cacheCodes);
                if (codes.Count > before)
                {
                    values?.Add(v);
                }

                previous = v;
            }

            result[i] = code;
        }

        return result;
    }

    private static double Weight(double[]? w, int i) => w is null ? 1 : w[i];

    /// <summary>Each row's subject code (ordinal of first appearance) and the number of subjects, without a dictionary:
    /// the runs of equal ids are found in one pass, their ids sorted by (hash, run) in a radix sort, and runs of equal
    /// hash compared as strings, so a run is mapped to the first run of the same id. When every run is a different
    /// subject (each subject's rows together), the run starts are returned instead of the codes (they are the subjects' row
    /// offsets).</summary>
    private static (int[]? Subject, int Subjects, int[]? RunStarts) SubjectCodes(ReadOnlySpan<string> ids)
    {
        int n = ids.Length;
        int runs = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || !(ReferenceEquals(ids[i], ids[i - 1]) || string.Equals(ids[i], ids[i - 1], StringComparison.Ordinal)))
            {
                runs++;
            }
        }

        var starts = new int[runs + 1];
        for (int i = 0, r = 0; i < n; i++)
        {
            if (i == 0 || !(ReferenceEquals(ids[i], ids[i - 1]) || string.Equals(ids[i], ids[i - 1], StringComparison.Ordinal)))
            {
                starts[r++] = i;
            }
        }

        starts[runs] = n;
        var keys = new long[runs];
        for (int r = 0; r < runs; r++)
        {
            keys[r] = ((long)(uint)ids[starts[r]].GetHashCode() << 31) | (uint)r;
        }

        Kernels.RadixOrder.Sort(keys);

        // same = the first run with the same id (itself if none before); within a hash the runs are ascending
        int[]? same = null;
        for (int q = 1; q < runs; q++)
        {
            if (keys[q] >> 31 != keys[q - 1] >> 31)
            {
                continue;
            }

            int top = q - 1;
            while (top > 0 && keys[top - 1] >> 31 == keys[q] >> 31)
            {
                top--;
            }

            int run = (int)(keys[q] & int.MaxValue);
            for (int e = top; e < q; e++)
            {
                int earlier = (int)(keys[e] & int.MaxValue);
                if (string.Equals(ids[starts[earlier]], ids[starts[run]], StringComparison.Ordinal))
                {
                    if (same is null)
                    {
                        same = new int[runs];
                        for (int r = 0; r < runs; r++)
                        {
                            same[r] = r;
                        }
                    }

                    same[run] = same[earlier];
                    break;
                }
            }
        }

        if (same is null)
        {
            return (null, runs, starts);
        }

        var code = new int[runs];
        int m = 0;
        for (int r = 0; r < runs; r++)
        {
            code[r] = same[r] == r ? m++ : code[same[r]];
        }

        var subject = new int[n];
        for (int r = 0; r < runs; r++)
        {
            subject.AsSpan(starts[r], starts[r + 1] - starts[r]).Fill(code[r]);
        }

        return (subject, m, null);
    }

    /// <summary>The strings as a span: an array or a list as they are, any other list copied.</summary>
    private static ReadOnlySpan<string> Strings(IReadOnlyList<string> list) => list switch
    {
        string[] array => array,
        List<string> l => CollectionsMarshal.AsSpan(l),
        _ => list.ToArray(),
    };
}
