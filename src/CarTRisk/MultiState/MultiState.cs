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
    /// <summary>From this many rows the influence is kept in groups by anchor time (<see cref="GroupedInfluence"/>),
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
    /// which agrees with the per-subject sums to rounding and is several times faster at 10⁶ subjects.</summary>
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

        var w = options.Weights ?? Enumerable.Repeat(1.0, n).ToArray();
        Guard.SameLength(n, nameof(start), w.Length, "options.Weights");
        var a = start.ToArray();
        var b = stop.ToArray();
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(a[i]) || !double.IsFinite(b[i]) || !(a[i] < b[i]))
            {
                throw new ArgumentException($"row {i}: (start, stop] = ({Guard.Show(a[i])}, {Guard.Show(b[i])}]; both must be finite with start < stop.", nameof(stop));
            }

            if (toState[i] is null || ids[i] is null)
            {
                throw new ArgumentException($"row {i} has no {(toState[i] is null ? "state" : "id")}.", toState[i] is null ? nameof(toState) : nameof(ids));
            }

            if (!double.IsFinite(w[i]) || w[i] < 0)
            {
                throw new ArgumentException($"Weights[{i}] is {Guard.Show(w[i])}; weights must be finite and >= 0.", nameof(options));
            }
        }

        // near ties cannot occur among non-negative whole numbers below 1/tol: no sort needed then
        bool plainIntegers = Kernels.TableKernels.Scan(a) is { FirstInvalid: < 0 } sa && !TimeFix.MayApply(sa)
            && Kernels.TableKernels.Scan(b) is { FirstInvalid: < 0 } sb && !TimeFix.MayApply(sb);
        if (options.TimeFix && !plainIntegers && TimeFix.Apply(b, a) is { } fix)
        {
            b = fix.Exit;
            a = fix.Entry!;
        }

        // states: (s0) then the entered states, or exactly the states named (with initial states), ordinal order
        string censor = options.CensorState;
        var valueCodes = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new List<string>();
        var toCode = Codes(toState, valueCodes, values);
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
        var toIndex = new int[n];
        for (int i = 0; i < n; i++)
        {
            toIndex[i] = codeState[toCode[i]];
        }

        // subjects (ordinal of first appearance) and their rows in time order (offsets into one array), the state of
        // each row
        var subject = Codes(ids, new Dictionary<string, int>(StringComparer.Ordinal), null);
        int m = 0;
        foreach (int sj in subject)
        {
            m = Math.Max(m, sj + 1);
        }

        var rowOffset = Kernels.Grouping.Starts(subject, m);
        var rowList = Kernels.Grouping.Scatter(subject, rowOffset);

        var rowState = new int[n];
        var subjectWeight = new double[m];
        var initialState = new int[m];
        var firstStart = new double[m];
        var lastStop = new double[m];
        for (int sj = 0; sj < m; sj++)
        {
            var rows = rowList.AsSpan(rowOffset[sj], rowOffset[sj + 1] - rowOffset[sj]);
            bool ordered = true;
            for (int r = 1; r < rows.Length && ordered; r++)
            {
                ordered = a[rows[r - 1]] < a[rows[r]] || (a[rows[r - 1]] == a[rows[r]] && rows[r - 1] < rows[r]);
            }

            if (!ordered)
            {
                rows.Sort((x, y) => a[x] != a[y] ? a[x].CompareTo(a[y]) : x.CompareTo(y));
            }

            int first = rows[0];
            int state = options.InitialStates is { } iv ? stateIndex[iv[first]] : 0;
            initialState[sj] = state;
            subjectWeight[sj] = w[first];
            firstStart[sj] = a[first];
            double last = double.NegativeInfinity;
            for (int r = 0; r < rows.Length; r++)
            {
                int row = rows[r];
                if (r > 0 && a[row] < b[rows[r - 1]])
                {
                    throw new ArgumentException($"rows {rows[r - 1]} and {row} of subject '{ids[row]}' overlap.", nameof(start));
                }

                if (w[row] != subjectWeight[sj])
                {
                    throw new ArgumentException($"Weights[{row}] differs from the weight of subject '{ids[row]}' on row {first}.", nameof(options));
                }

                rowState[row] = state;
                last = Math.Max(last, b[row]);
                if (toIndex[row] >= 0)
                {
                    state = toIndex[row];
                }
            }

            lastStop[sj] = last;
        }

        // time 0 as survival 3.5-3's survfitCI: the first transition time (the last stop when there is none); the
        // initial distribution is that of the rows at risk then (start < t0 <= stop), weighted, by the state of each row.
        // Its influence is not part of std.err (survfit's default influence = FALSE leaves it out)
        double t0 = double.PositiveInfinity, bMax = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            bMax = Math.Max(bMax, b[i]);
            if (toIndex[i] >= 0)
            {
                t0 = Math.Min(t0, b[i]);
            }
        }

        if (double.IsPositiveInfinity(t0))
        {
            t0 = bMax;
        }

        var p = new double[S];
        double W0 = 0;
        for (int i = 0; i < n; i++)
        {
            if (a[i] < t0 && b[i] >= t0)
            {
                W0 += w[i];
            }
        }

        if (!(W0 > 0))
        {
            throw new ArgumentException($"no row with a positive weight is at risk at the first transition time {Guard.Show(t0)}.", nameof(start));
        }

        for (int i = 0; i < n; i++)
        {
            if (a[i] < t0 && b[i] >= t0)
            {
                p[rowState[i]] += w[i] / W0;
            }
        }

        var initial = (double[])p.Clone();
        var initialSe = new double[S];

        // the sweep over the distinct stop times. The influence is kept weighted and state-major, U[k][subject] =
        // w_i U_ik (survfit's layout), so each event time costs a few vector operations over the subjects: the columns
        // of U that H touches, the dN terms of the subjects with a transition, and the at-risk terms through the
        // weighted at-risk indicator of each state (kept up to date as rows enter and leave).
        // stable radix orders (ties in input order, as a stable sort by time)
        var byStart = Kernels.RadixOrder.Order(a, descending: false);
        var byStop = Kernels.RadixOrder.Order(b, descending: false);
        var distinctStops = new List<double>();
        foreach (int i in byStop)
        {
            if (distinctStops.Count == 0 || b[i] != distinctStops[^1])
            {
                distinctStops.Add(b[i]);
            }
        }

        var times = distinctStops.ToArray();
        int T = times.Length;
        var transitionCount = new Dictionary<(int From, int To), int>();
        for (int i = 0; i < n; i++)
        {
            if (toIndex[i] >= 0)
            {
                var key = (rowState[i], toIndex[i]);
                transitionCount[key] = transitionCount.GetValueOrDefault(key) + 1;
            }
        }

        var transitions = transitionCount.Keys.OrderBy(k => k.To).ThenBy(k => k.From).ToArray();
        var column = transitions.Select((t, k) => (t, k)).ToDictionary(x => x.t, x => x.k);
        var prob = new double[T * S];
        var se = new double[T * S];
        var atRisk = new int[T * S];
        var cumhaz = new double[T * transitions.Length];
        var events = new int[T * transitions.Length];
        var cum = new double[transitions.Length];
        // subjects hold their influence while their follow-up lasts (from the first row's start to the last row's
        // stop); when it ends, it is folded into M = sum of u'u (S x S), which every later step maps by H'MH
        IInfluenceTracker tracker = (options.Grouped ?? n >= GroupedFromRows)
            ? new GroupedInfluence(S, subjectWeight)
            : new SlotInfluence(S, m);
        var enterOrder = Kernels.RadixOrder.Order(firstStart, descending: false);
        var leaveOrder = Kernels.RadixOrder.Order(lastStop, descending: false);
        int pin = 0, pout = 0;

        var nW = new double[S];
        var nCount = new int[S];
        var dW = new double[S, S];
        var dA = new double[S, S];
        var c = new double[S, S];
        var seNow = new double[S];
        var moves = new List<(int Subject, int From, int To, double V)>();
        int ps = 0, pe = 0;
        for (int ti = 0; ti < T; ti++)
        {
            double t = times[ti];
            while (pin < m && firstStart[enterOrder[pin]] < t)
            {
                tracker.Enter(enterOrder[pin++]);
            }

            while (ps < n && a[byStart[ps]] < t)
            {
                int row = byStart[ps++];
                int j = rowState[row];
                tracker.AddRow(subject[row], j, w[row]);
                nW[j] += w[row];
                nCount[j]++;
            }

            while (pe < n && b[byStop[pe]] < t)
            {
                int row = byStop[pe++];
                int j = rowState[row];
                tracker.RemoveRow(subject[row], j, w[row]);
                nW[j] -= w[row];
                nCount[j]--;
            }

            bool folded = false;
            while (pout < m && lastStop[leaveOrder[pout]] < t)
            {
                tracker.Fold(leaveOrder[pout++]);
                folded = true;
            }

            for (int j = 0; j < S; j++)
            {
                atRisk[(ti * S) + j] = nCount[j];
            }

            // transitions at t: the rows ending now (still in the risk set) with a new state
            Array.Clear(dW);
            Array.Clear(dA);
            bool any = false;
            for (int q = pe; q < n && b[byStop[q]] == t; q++)
            {
                int row = byStop[q];
                if (toIndex[row] >= 0)
                {
                    dW[rowState[row], toIndex[row]] += w[row];
                    any = true;
                    if (column.TryGetValue((rowState[row], toIndex[row]), out int col))
                    {
                        events[(ti * transitions.Length) + col]++;
                    }
                }
            }

            if (any)
            {
                for (int j = 0; j < S; j++)
                {
                    for (int k = 0; k < S; k++)
                    {
                        if (k != j && dW[j, k] > 0 && nW[j] > 0)
                        {
                            double h = dW[j, k] / nW[j];
                            dA[j, k] = h;
                            dA[j, j] -= h;
                            if (column.TryGetValue((j, k), out int col))
                            {
                                cum[col] += h;
                            }
                        }
                    }
                }

                // the at-risk terms per unit weight, c_jk = p_j dA_jk / n_j, and the subjects moving j -> k at t
                Array.Clear(c);
                for (int j = 0; j < S; j++)
                {
                    for (int k = 0; k < S; k++)
                    {
                        if (k != j && dA[j, k] != 0)
                        {
                            c[j, k] = p[j] * dA[j, k] / nW[j];
                        }
                    }
                }

                moves.Clear();
                for (int q = pe; q < n && b[byStop[q]] == t; q++)
                {
                    int row = byStop[q];
                    if (toIndex[row] < 0)
                    {
                        continue;
                    }

                    int j = rowState[row], k = toIndex[row];
                    if (j != k)
                    {
                        moves.Add((subject[row], j, k, w[row] * p[j] / nW[j]));
                    }
                }

                tracker.Step(dA, c, moves);

                // p(t) = p(t-) (I + dA)
                var next = new double[S];
                for (int k = 0; k < S; k++)
                {
                    double v = p[k];
                    for (int j = 0; j < S; j++)
                    {
                        v += p[j] * dA[j, k];
                    }

                    next[k] = v;
                }

                p = next;
            }

            if (any || folded || pout > 0)
            {
                tracker.StdErr(seNow);
            }

            Array.Copy(p, 0, prob, ti * S, S);
            Array.Copy(cum, 0, cumhaz, ti * transitions.Length, transitions.Length);
            Array.Copy(seNow, 0, se, ti * S, S);
        }

        return new MultiStateCurve
        {
            States = [.. states],
            Times = [.. times],
            Probability = [.. prob],
            StdErr = [.. se],
            AtRisk = [.. atRisk],
            Transitions = [.. transitions.Select(x => new MultiStateTransition(states[x.From], states[x.To]))],
            TransitionCounts = [.. transitions.Select(x => transitionCount[x])],
            CumulativeHazard = [.. cumhaz],
            Events = ImmutableCollectionsMarshal.AsImmutableArray(events),
            Initial = initial,
            InitialStdErr = initialSe,
        };
    }

    /// <summary>Each value's code (ordinal of first appearance); a row that repeats the previous row's value skips the
    /// dictionary. With <paramref name="values"/>, the distinct values in code order are collected there.</summary>
    private static int[] Codes(IReadOnlyList<string> column, Dictionary<string, int> codes, List<string>? values)
    {
        var result = new int[column.Count];
        string? previous = null;
        int code = -1;
        for (int i = 0; i < column.Count; i++)
        {
            string v = column[i];
            if (previous is null || !(ReferenceEquals(v, previous) || string.Equals(v, previous, StringComparison.Ordinal)))
            {
                if (!codes.TryGetValue(v, out code))
                {
                    code = codes.Count;
                    codes[v] = code;
                    values?.Add(v);
                }

                previous = v;
            }

            result[i] = code;
        }

        return result;
    }
}
