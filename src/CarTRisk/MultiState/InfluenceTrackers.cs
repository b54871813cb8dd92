namespace CarTRisk;

/// <summary>What the Aalen-Johansen sweep leaves for the standard errors: per time t (T of them) whether a row ends in a
/// state (<paramref name="StepAt"/>), dA and the at-risk terms per unit weight c_jk = p_j dA_jk / n_j (T × S × S,
/// row-major) and p_j / n_j (T × S: a subject of weight w moving out of j at t has the dN term w p_j / n_j); each
/// subject's rows (<paramref name="RowList"/> from <paramref name="RowOffset"/>[s], by start; null: the rows in their own
/// order), each row at risk at the time indices lo..hi in its state, ending in <paramref name="ToIndex"/> (−1:
/// censored); the subjects' weights (null: 1).</summary>
internal sealed record InfluenceInputs(int S, int T, bool[] StepAt, double[] DA, double[] C, double[] F, int[] RowOffset,
    int[]? RowList, int[] Lo, int[] Hi, int[] RowState, int[] ToIndex, double[]? SubjectWeight)
{
    /// <summary>Row r of the subjects' row list (r itself without a list).</summary>
    public int Row(int r) => RowList is null ? r : RowList[r];

    /// <summary>The weight of subject <paramref name="s"/> (1 without weights).</summary>
    public double Weight(int s) => SubjectWeight is null ? 1 : SubjectWeight[s];
}

/// <summary>Shared pieces: M and its rounding scale. The infinitesimal-jackknife influence of every subject through the
/// Aalen-Johansen sweep: at each transition time with H = I + dA, U_i ← U_i H + w_i x_j (i at risk in j, x_j[j] = Σ_k
/// c_jk, x_j[k] = −c_jk, c_jk = p_j dA_jk / n_j) + the dN term of a subject moving j → k (−v on j, +v on k, v = w_i p_j
/// / n_j); subjects whose follow-up ended are folded into M = Σ U'U, mapped by H'MH. se_k² = Σ_live U_ik² + M_kk.</summary>
internal abstract class FoldedInfluence
{
    protected FoldedInfluence(int states)
    {
        S = states;
        M = new double[S, S];
        Mabs = new double[S, S];
    }

    protected int S { get; }

    protected double[,] M { get; }

    protected double[,] Mabs { get; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected void AddToM(ReadOnlySpan<double> u)
    {
        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                M[j, k] += u[j] * u[k];
                Mabs[j, k] += Math.Abs(u[j] * u[k]);
            }
        }
    }

    /// <summary>M_kk, or 0 within rounding of its scale (a state everyone has left, say).</summary>
    protected double Folded(int k) => M[k, k] <= 64 * 2.220446049250313e-16 * Mabs[k, k] ? 0 : M[k, k];

    /// <summary>M ← HᵀMH with H = I + dA (absolute values of H when <paramref name="absolute"/>).</summary>
    protected static void Congruence(double[,] M, double[,] dA, int S, bool absolute)
    {
        Span<double> h = stackalloc double[S * S];
        Span<double> hm = stackalloc double[S * S];
        for (int r = 0; r < S; r++)
        {
            for (int c = 0; c < S; c++)
            {
                double v = (r == c ? 1 : 0) + dA[r, c];
                h[(r * S) + c] = absolute ? Math.Abs(v) : v;
            }
        }

        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                double v = 0;
                for (int r = 0; r < S; r++)
                {
                    v += h[(r * S) + j] * M[r, k];
                }

                hm[(j * S) + k] = v;
            }
        }

        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                double v = 0;
                for (int r = 0; r < S; r++)
                {
                    v += hm[(j * S) + r] * h[(r * S) + k];
                }

                M[j, k] = v;
            }
        }
    }

    protected void FoldStep(double[,] dA)
    {
        Congruence(M, dA, S, false);
        Congruence(Mabs, dA, S, true);
    }
}

/// <summary>
/// Every live subject's influence held as a vector and updated at every transition time (survfit's way; cost per time
/// grows with the subjects still followed). Subjects hold a slot while their follow-up lasts.
/// </summary>
internal sealed class SlotInfluence : FoldedInfluence
{
    private readonly double[][] uw;
    private readonly double[][] wAt;
    private readonly double[][] old;
    private readonly int[] slotOf;
    private readonly int[] subjectAt;
    private int live;

    public SlotInfluence(int states, int subjects)
        : base(states)
    {
        uw = new double[S][];
        wAt = new double[S][];
        old = new double[S][];
        for (int k = 0; k < S; k++)
        {
            uw[k] = new double[subjects];
            wAt[k] = new double[subjects];
            old[k] = new double[subjects];
        }

        slotOf = new int[subjects];
        Array.Fill(slotOf, -1);
        subjectAt = new int[subjects];
    }

    /// <summary>The standard errors at every time (T × S, row-major), every live subject's influence updated at each
    /// transition time.</summary>
    public static void StdErrs(InfluenceInputs x, double[] se)
    {
        int S = x.S, T = x.T, n = x.Lo.Length, m = x.RowOffset.Length - 1;
        var tracker = new SlotInfluence(S, m);
        var subjectOf = new int[n];
        var first = new bool[n];
        var last = new bool[n];
        for (int sj = 0; sj < m; sj++)
        {
            for (int r = x.RowOffset[sj]; r < x.RowOffset[sj + 1]; r++)
            {
                subjectOf[x.Row(r)] = sj;
            }

            first[x.Row(x.RowOffset[sj])] = true;
            last[x.Row(x.RowOffset[sj + 1] - 1)] = true;
        }

        // rows by the time they enter the risk set (lo) and the time after their last (hi + 1)
        var enterStart = Kernels.Grouping.Starts(x.Lo, T + 1);
        var enterRows = Kernels.Grouping.Scatter(x.Lo, enterStart);
        var after = new int[n];
        for (int i = 0; i < n; i++)
        {
            after[i] = x.Hi[i] + 1;
        }

        var leaveStart = Kernels.Grouping.Starts(after, T + 1);
        var leaveRows = Kernels.Grouping.Scatter(after, leaveStart);
        var dA = new double[S, S];
        var c = new double[S, S];
        var moves = new List<(int Subject, int From, int To, double V)>();
        var seNow = new double[S];
        bool foldedEver = false;
        for (int ti = 0; ti < T; ti++)
        {
            for (int q = enterStart[ti]; q < enterStart[ti + 1]; q++)
            {
                int row = enterRows[q], sj = subjectOf[row];
                if (first[row])
                {
                    tracker.Enter(sj);
                }

                tracker.AddRow(sj, x.RowState[row], x.Weight(sj));
            }

            for (int q = leaveStart[ti]; q < leaveStart[ti + 1]; q++)
            {
                int row = leaveRows[q];
                tracker.RemoveRow(subjectOf[row], x.RowState[row], x.Weight(subjectOf[row]));
            }

            bool folded = false;
            for (int q = leaveStart[ti]; q < leaveStart[ti + 1]; q++)
            {
                int row = leaveRows[q];
                if (last[row])
                {
                    tracker.Fold(subjectOf[row]);
                    folded = true;
                }
            }

            foldedEver |= folded;
            if (x.StepAt[ti])
            {
                for (int j = 0; j < S; j++)
                {
                    for (int k = 0; k < S; k++)
                    {
                        dA[j, k] = x.DA[(ti * S * S) + (j * S) + k];
                        c[j, k] = x.C[(ti * S * S) + (j * S) + k];
                    }
                }

                moves.Clear();
                for (int q = leaveStart[ti + 1]; q < leaveStart[ti + 2]; q++)
                {
                    int row = leaveRows[q], j = x.RowState[row], k = x.ToIndex[row];
                    if (k >= 0 && k != j)
                    {
                        int sj = subjectOf[row];
                        moves.Add((sj, j, k, x.Weight(sj) * x.F[(ti * S) + j]));
                    }
                }

                tracker.Step(dA, c, moves);
            }

            if (x.StepAt[ti] || foldedEver)
            {
                tracker.StdErr(seNow);
            }

            Array.Copy(seNow, 0, se, ti * S, S);
        }
    }

    public void Enter(int subject)
    {
        slotOf[subject] = live;
        subjectAt[live] = subject;
        for (int k = 0; k < S; k++)
        {
            uw[k][live] = 0;
            wAt[k][live] = 0;
        }

        live++;
    }

    public void AddRow(int subject, int state, double weight) => wAt[state][slotOf[subject]] += weight;

    public void RemoveRow(int subject, int state, double weight) => wAt[state][slotOf[subject]] -= weight;

    public void Fold(int subject)
    {
        int slot = slotOf[subject];
        if (slot < 0)
        {
            return;
        }

        Span<double> u = stackalloc double[S];
        for (int k = 0; k < S; k++)
        {
            u[k] = uw[k][slot];
        }

        AddToM(u);
        int last = live - 1;
        int moved = subjectAt[last];
        for (int k = 0; k < S; k++)
        {
            uw[k][slot] = uw[k][last];
            wAt[k][slot] = wAt[k][last];
        }

        subjectAt[slot] = moved;
        slotOf[moved] = slot;
        slotOf[subject] = -1;
        live--;
    }

    public void Step(double[,] dA, double[,] c, IReadOnlyList<(int Subject, int From, int To, double V)> moves)
    {
        // U <- U (I + dA): only the columns of states with a non-zero row
        for (int j = 0; j < S; j++)
        {
            if (dA[j, j] != 0)
            {
                Array.Copy(uw[j], old[j], live);
            }
        }

        for (int j = 0; j < S; j++)
        {
            if (dA[j, j] == 0)
            {
                continue;
            }

            for (int k = 0; k < S; k++)
            {
                if (dA[j, k] != 0)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(old[j].AsSpan(0, live), dA[j, k], uw[k].AsSpan(0, live), uw[k].AsSpan(0, live));
                }
            }
        }

        foreach (var (s, j, k, v) in moves)
        {
            uw[j][slotOf[s]] -= v;
            uw[k][slotOf[s]] += v;
        }

        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                if (c[j, k] != 0)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(wAt[j].AsSpan(0, live), c[j, k], uw[j].AsSpan(0, live), uw[j].AsSpan(0, live));
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(wAt[j].AsSpan(0, live), -c[j, k], uw[k].AsSpan(0, live), uw[k].AsSpan(0, live));
                }
            }
        }

        FoldStep(dA);
    }

    public void StdErr(double[] se)
    {
        for (int k = 0; k < S; k++)
        {
            var u = uw[k].AsSpan(0, live);
            se[k] = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(u, u) + Folded(k));
        }
    }
}

/// <summary>
/// The influence of every subject held in groups by the time it last changed (its anchor a), with each subject's
/// changes laid out in advance: a subject of group a in state j (or none) has U_i(t) = u_i P_a(t) + w_i Q_{a,j}(t), u_i
/// its influence at a, P_a = Π_{a &lt; s ≤ t} H(s), Q_{a,j} the at-risk terms of a unit weight in j since a (Q ← QH +
/// x_j). A group keeps Σ u'u, Σ_j w u and Σ_j w², so a transition time costs a few S × S products per group. A subject
/// changes (an event) where its at-risk state changes after a gap, where it moves, and where its follow-up ends (its
/// influence then joins M); its first entry is no event (everyone entering at a time joins that time's group at once,
/// with influence 0). The events are known from the rows, so they are sorted by time beforehand; the sweep gathers the
/// records of a block of events (independent loads the memory system overlaps), updates them in order and writes them
/// back. se_k² = Σ_groups [P'(Σu'u)P + 2(Σwu)P·Q + (Σw²)Q²]_k + M_kk; a sum within rounding of its scale (the same sums
/// over absolute values) is 0.
/// </summary>
internal sealed class PathInfluence : FoldedInfluence
{
    /// <summary>Events gathered at once.</summary>
    private const int Block = 512;

    /// <summary>The most states the packed events hold.</summary>
    public const int MostStates = 126;

    private readonly int S2;
    private int capacity;
    private double[] gP = [], gPabs = [], gQ = [], gQabs = [], gA = [], gAabs = [], gB = [], gBabs = [], gC = [];
    private int[] gIn = [], gCount = [], alivePos = [], alive = [];
    private int aliveCount;
    private readonly Stack<int> free = new();

    private PathInfluence(int states)
        : base(states)
    {
        S2 = states * states;
        Grow(16);
    }

    /// <summary>The standard errors at every time (T × S, row-major).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void StdErrs(InfluenceInputs x, double[] se)
    {
        int m = x.RowOffset.Length - 1, T = x.T;
        int most = 0;
        for (int sj = 0; sj < m; sj++)
        {
            most = Math.Max(most, x.RowOffset[sj + 1] - x.RowOffset[sj]);
        }

        // each subject's events (at most two per row), counted by time (−1: before the first), then placed in time
        // order, subject by subject
        var time = new int[(2 * most) + 1];
        var info = new int[(2 * most) + 1];
        var bucket = new int[T + 2];
        var entering = new int[(T + 1) * x.S];       // by entry time + 1 and state: subjects, their Σ w²
        var enteringW2 = new double[(T + 1) * x.S];
        int E = 0;
        for (int sj = 0; sj < m; sj++)
        {
            int firstRow = x.Row(x.RowOffset[sj]);
            int at = (x.Lo[firstRow] * x.S) + x.RowState[firstRow];
            entering[at]++;
            enteringW2[at] += x.Weight(sj) * x.Weight(sj);
            int k = Events(x, sj, time, info);
            for (int e = 0; e < k; e++)
            {
                bucket[time[e] + 2]++;
            }

            E += k;
        }

        for (int t = 1; t < bucket.Length; t++)
        {
            bucket[t] += bucket[t - 1];
        }

        var fill = (int[])bucket.Clone();
        var evSubject = new int[E];
        var evInfo = new int[E];
        for (int sj = 0; sj < m; sj++)
        {
            int k = Events(x, sj, time, info);
            for (int e = 0; e < k; e++)
            {
                int at = fill[time[e] + 1]++;
                evSubject[at] = sj;
                evInfo[at] = info[e];
            }
        }

        new PathInfluence(x.S).Sweep(x, bucket, evSubject, evInfo, entering, enteringW2, se);
    }

    /// <summary>A subject's events in time order into <paramref name="time"/> and <paramref name="info"/>; their number.
    /// An event at time index t is applied after the step at t (t = −1: before the first): before it the subject is at
    /// risk in a state (or none), at it it may move j → k, after it it is at risk in a state (or none), or its
    /// follow-up has ended. Info packs state + 1, new state + 1, from + 1 and to + 1 in bytes 0..3 (0: none) and the
    /// end in bit 31 (<see cref="Pack"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int Events(InfluenceInputs x, int sj, int[] time, int[] info)
    {
        int count = 0;
        int held = -1;              // the state held since the last event
        int openAt = int.MinValue;  // a pending row end (its time index, state and move)
        int openState = -1, openFrom = -1, openTo = -1;
        for (int r = x.RowOffset[sj]; r < x.RowOffset[sj + 1]; r++)
        {
            int row = x.Row(r);
            int j = x.RowState[row];
            if (openAt != int.MinValue)
            {
                if (x.Lo[row] == openAt + 1)
                {
                    // contiguous: the end of the last row is the change into this row's state (no event if nothing changes)
                    if (openFrom >= 0 || j != held)
                    {
                        time[count] = openAt;
                        info[count++] = Pack(openState, j, openFrom, openTo, false);
                        held = j;
                    }
                }
                else
                {
                    time[count] = openAt;
                    info[count++] = Pack(openState, -1, openFrom, openTo, false);
                    held = -1;
                }
            }

            if (held != j)
            {
                // entering after a gap: the change at the time before this row's first (the first entry is not an
                // event: the sweep puts every subject entering at a time into that time's new group at once)
                if (r > x.RowOffset[sj])
                {
                    time[count] = x.Lo[row] - 1;
                    info[count++] = Pack(held, j, -1, -1, false);
                }

                held = j;
            }

            int k = x.ToIndex[row];
            bool move = k >= 0 && k != j;
            openState = j;
            openFrom = move ? j : -1;
            openTo = move ? k : -1;
            openAt = x.Hi[row];
        }

        time[count] = openAt;
        info[count++] = Pack(openState, -1, openFrom, openTo, true);
        return count;
    }

    private static int Pack(int state, int newState, int from, int to, bool end) =>
        (state + 1) | ((newState + 1) << 8) | ((from + 1) << 16) | ((to + 1) << 24 & 0x7F000000) | (end ? int.MinValue : 0);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Sweep(InfluenceInputs x, int[] bucket, int[] evSubject, int[] evInfo, int[] entering, double[] enteringW2, double[] se)
    {
        int T = x.T, m = x.RowOffset.Length - 1;

        // per subject: its influence at its anchor (S values), its group (before its first event −(e + 1): it is in
        // the group made at entry time e − 1, with influence 0), its weight (with weights)
        bool weighted = x.SubjectWeight is not null;
        int R = weighted ? S + 2 : S + 1;
        var rec = new double[(long)m * R];
        var groupAt = new int[T + 1];
        for (int sj = 0; sj < m; sj++)
        {
            rec[((long)sj * R) + S] = -(x.Lo[x.Row(x.RowOffset[sj])] + 1);
            if (weighted)
            {
                rec[((long)sj * R) + S + 1] = x.Weight(sj);
            }
        }

        Span<double> U = stackalloc double[S];
        var scratch = new double[Block * R];
        var h = new double[S2];
        var habs = new double[S2];
        var xs = new double[S2];
        var xabs = new double[S2];
        var dAm = new double[S, S];
        int p = 0;
        for (int ti = -1; ti < T; ti++)
        {
            if (ti >= 0 && x.StepAt[ti])
            {
                var d = x.DA.AsSpan(ti * S2, S2);
                var ct = x.C.AsSpan(ti * S2, S2);
                Array.Clear(xs);
                for (int j = 0; j < S; j++)
                {
                    for (int k = 0; k < S; k++)
                    {
                        double v = (j == k ? 1 : 0) + d[(j * S) + k];
                        h[(j * S) + k] = v;
                        habs[(j * S) + k] = Math.Abs(v);
                        dAm[j, k] = d[(j * S) + k];
                        double cjk = ct[(j * S) + k];
                        if (cjk != 0)
                        {
                            xs[(j * S) + j] += cjk;
                            xs[(j * S) + k] -= cjk;
                        }
                    }
                }

                for (int q = 0; q < S2; q++)
                {
                    xabs[q] = Math.Abs(xs[q]);
                }

                Advance(h, habs, xs, xabs);
                FoldStep(dAm);
            }

            // the events at ti in blocks: the subjects' records gathered first (independent loads, so the memory
            // system fetches many at once instead of one miss per event), updated in order, written back
            int pending = -1;
            int end = bucket[ti + 2];
            bool changed = p < end;
            int e0 = (ti + 1) * S;
            for (int j = 0; j < S; j++)
            {
                if (entering[e0 + j] > 0)
                {
                    if (pending < 0)
                    {
                        pending = NewGroup();
                        groupAt[ti + 1] = pending;
                        changed = true;
                    }

                    gIn[(pending * S) + j] += entering[e0 + j];
                    gC[(pending * S) + j] += enteringW2[e0 + j];
                    gCount[pending] += entering[e0 + j];
                }
            }

            while (p < end)
            {
                int count = Math.Min(Block, end - p);
                for (int q = 0; q < count; q++)
                {
                    rec.AsSpan((int)((long)evSubject[p + q] * R), R).CopyTo(scratch.AsSpan(q * R, R));
                }

                for (int q = 0; q < count; q++)
                {
                    int info = evInfo[p + q];
                    int state = (info & 0xFF) - 1, newState = ((info >> 8) & 0xFF) - 1, from = ((info >> 16) & 0xFF) - 1, to = ((info >> 24) & 0x7F) - 1;
                    var r = scratch.AsSpan(q * R, R);
                    var u = r[..S];
                    double w = weighted ? r[S + 1] : 1;
                    int g = (int)r[S];
                    bool fresh = g < 0;
                    if (fresh)
                    {
                        g = groupAt[-g - 1];
                    }

                    Current(g, u, w, state, U);
                    Leave(g, u, w, state, fresh);

                    if (from >= 0)
                    {
                        double v = w * x.F[(ti * S) + from];
                        U[from] -= v;
                        U[to] += v;
                    }

                    if (info < 0)
                    {
                        AddToM(U);
                        r[S] = -1;
                        continue;
                    }

                    if (pending < 0)
                    {
                        pending = NewGroup();
                    }

                    Join(pending, U, w, newState);
                    U.CopyTo(u);
                    r[S] = pending;
                }

                for (int q = 0; q < count; q++)
                {
                    scratch.AsSpan(q * R, R).CopyTo(rec.AsSpan((int)((long)evSubject[p + q] * R), R));
                }

                p += count;
            }

            if (ti >= 0)
            {
                if (x.StepAt[ti] || changed)
                {
                    StdErr(se.AsSpan(ti * S, S));
                }
                else if (ti > 0)
                {
                    se.AsSpan((ti - 1) * S, S).CopyTo(se.AsSpan(ti * S, S));
                }
            }
        }
    }

    /// <summary>Every group one step on: P ← P·H, and Q_j ← Q_j·H + x_j for the states its members are in.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Advance(double[] h, double[] habs, double[] x, double[] xabs)
    {
        Span<double> row = stackalloc double[S];
        for (int a = 0; a < aliveCount; a++)
        {
            int g = alive[a];
            var P = gP.AsSpan(g * S2, S2);
            var Pabs = gPabs.AsSpan(g * S2, S2);
            for (int r = 0; r < S; r++)
            {
                RowTimes(P.Slice(r * S, S), h, row);
                RowTimes(Pabs.Slice(r * S, S), habs, row);
            }

            for (int j = 0; j < S; j++)
            {
                if (gIn[(g * S) + j] == 0)
                {
                    continue;
                }

                var q = gQ.AsSpan((g * S2) + (j * S), S);
                var qa = gQabs.AsSpan((g * S2) + (j * S), S);
                RowTimes(q, h, row);
                RowTimes(qa, habs, row);
                for (int k = 0; k < S; k++)
                {
                    q[k] += x[(j * S) + k];
                    qa[k] += xabs[(j * S) + k];
                }
            }
        }
    }

    /// <summary>v ← v·H for a row vector v.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RowTimes(Span<double> v, ReadOnlySpan<double> h, Span<double> scratch)
    {
        for (int k = 0; k < S; k++)
        {
            double sum = 0;
            for (int q = 0; q < S; q++)
            {
                sum += v[q] * h[(q * S) + k];
            }

            scratch[k] = sum;
        }

        scratch.CopyTo(v);
    }

    /// <summary>The influence now of a member of group g with anchor influence u, weight w, in state st.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Current(int g, ReadOnlySpan<double> u, double w, int st, Span<double> now)
    {
        now.Clear();
        var P = gP.AsSpan(g * S2, S2);
        for (int r = 0; r < S; r++)
        {
            double ur = u[r];
            if (ur == 0)
            {
                continue;
            }

            for (int k = 0; k < S; k++)
            {
                now[k] += ur * P[(r * S) + k];
            }
        }

        if (st >= 0)
        {
            var q = gQ.AsSpan((g * S2) + (st * S), S);
            for (int k = 0; k < S; k++)
            {
                now[k] += w * q[k];
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Leave(int g, ReadOnlySpan<double> u, double w, int st, bool zero)
    {
        if (!zero)
        {
            AddOuter(g, u, -1);
        }

        if (st >= 0)
        {
            int at = (g * S) + st;
            var B = gB.AsSpan((g * S2) + (st * S), S);
            var Babs = gBabs.AsSpan((g * S2) + (st * S), S);
            if (--gIn[at] == 0)
            {
                // no one left in the state: its sums are exactly 0
                B.Clear();
                Babs.Clear();
                gC[at] = 0;
            }
            else
            {
                for (int r = 0; r < S; r++)
                {
                    B[r] -= w * u[r];
                    Babs[r] -= Math.Abs(w * u[r]);
                }

                gC[at] -= w * w;
            }
        }

        if (--gCount[g] == 0)
        {
            int at = alivePos[g];
            int lastGroup = alive[--aliveCount];
            alive[at] = lastGroup;
            alivePos[lastGroup] = at;
            free.Push(g);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Join(int g, ReadOnlySpan<double> u, double w, int st)
    {
        AddOuter(g, u, 1);

        if (st >= 0)
        {
            int at = (g * S) + st;
            var B = gB.AsSpan((g * S2) + (st * S), S);
            var Babs = gBabs.AsSpan((g * S2) + (st * S), S);
            for (int r = 0; r < S; r++)
            {
                B[r] += w * u[r];
                Babs[r] += Math.Abs(w * u[r]);
            }

            gC[at] += w * w;
            gIn[at]++;
        }

        gCount[g]++;
    }

    /// <summary>Σ u'u of group g and its absolute twin, plus or minus (<paramref name="sign"/>) the member's u'u.</summary>
    private void AddOuter(int g, ReadOnlySpan<double> u, double sign)
    {
        var A = gA.AsSpan(g * S2, S2);
        var Aabs = gAabs.AsSpan(g * S2, S2);
        for (int r = 0; r < S; r++)
        {
            double ur = u[r];
            for (int q = 0; q < S; q++)
            {
                double v = ur * u[q];
                A[(r * S) + q] += sign * v;
                Aabs[(r * S) + q] += sign * Math.Abs(v);
            }
        }
    }

    /// <summary>An empty group anchored now (P = I, Q = 0), alive.</summary>
    private int NewGroup()
    {
        int g;
        if (free.Count > 0)
        {
            g = free.Pop();
        }
        else
        {
            g = aliveCount;
            if (g == capacity)
            {
                Grow(2 * capacity);
            }
        }

        foreach (var arr in (double[][])[gP, gPabs, gQ, gQabs, gA, gAabs, gB, gBabs])
        {
            arr.AsSpan(g * S2, S2).Clear();
        }

        for (int k = 0; k < S; k++)
        {
            gP[(g * S2) + (k * S) + k] = 1;
            gPabs[(g * S2) + (k * S) + k] = 1;
        }

        gC.AsSpan(g * S, S).Clear();
        gIn.AsSpan(g * S, S).Clear();
        gCount[g] = 0;
        alivePos[g] = aliveCount;
        alive[aliveCount++] = g;
        return g;
    }

    private void Grow(int n)
    {
        gP = Resized(gP, n * S2);
        gPabs = Resized(gPabs, n * S2);
        gQ = Resized(gQ, n * S2);
        gQabs = Resized(gQabs, n * S2);
        gA = Resized(gA, n * S2);
        gAabs = Resized(gAabs, n * S2);
        gB = Resized(gB, n * S2);
        gBabs = Resized(gBabs, n * S2);
        gC = Resized(gC, n * S);
        gIn = Resized(gIn, n * S);
        gCount = Resized(gCount, n);
        alivePos = Resized(alivePos, n);
        alive = Resized(alive, n);
        capacity = n;

        static T[] Resized<T>(T[] a, int length)
        {
            Array.Resize(ref a, length);
            return a;
        }
    }

    /// <summary>The standard error of each state's probability now.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void StdErr(Span<double> se)
    {
        for (int k = 0; k < S; k++)
        {
            double live = 0, scale = 0;
            for (int a = 0; a < aliveCount; a++)
            {
                int g = alive[a];
                var P = gP.AsSpan(g * S2, S2);
                var Pabs = gPabs.AsSpan(g * S2, S2);
                var A = gA.AsSpan(g * S2, S2);
                var Aabs = gAabs.AsSpan(g * S2, S2);

                // P[:,k]' A P[:,k], with its absolute twin
                double quad = 0, quadAbs = 0;
                for (int r = 0; r < S; r++)
                {
                    double ar = 0, arAbs = 0;
                    for (int q = 0; q < S; q++)
                    {
                        ar += A[(r * S) + q] * P[(q * S) + k];
                        arAbs += Aabs[(r * S) + q] * Pabs[(q * S) + k];
                    }

                    quad += P[(r * S) + k] * ar;
                    quadAbs += Pabs[(r * S) + k] * arAbs;
                }

                live += quad;
                scale += quadAbs;
                for (int j = 0; j < S; j++)
                {
                    if (gIn[(g * S) + j] == 0)
                    {
                        continue;
                    }

                    var B = gB.AsSpan((g * S2) + (j * S), S);
                    var Babs = gBabs.AsSpan((g * S2) + (j * S), S);
                    double bp = 0, bpAbs = 0;
                    for (int r = 0; r < S; r++)
                    {
                        bp += B[r] * P[(r * S) + k];
                        bpAbs += Babs[r] * Pabs[(r * S) + k];
                    }

                    double qk = gQ[(g * S2) + (j * S) + k], qkAbs = gQabs[(g * S2) + (j * S) + k];
                    double cj = gC[(g * S) + j];
                    live += (2 * bp * qk) + (cj * qk * qk);
                    scale += (2 * bpAbs * qkAbs) + (cj * qkAbs * qkAbs);
                }
            }

            double part = live <= 64 * 2.220446049250313e-16 * scale ? 0 : live;
            se[k] = Math.Sqrt(part + Folded(k));
        }
    }
}
