namespace CarTRisk;

/// <summary>
/// The infinitesimal-jackknife influence of every subject through the Aalen-Johansen sweep. At each transition time
/// with H = I + dA: U_i ← U_i H + w_i x_j (i at risk in j, x_j[j] = Σ_k c_jk, x_j[k] = −c_jk, c_jk = p_j dA_jk / n_j)
/// + the dN term of a subject moving j → k (−v on j, +v on k, v = w_i p_j / n_j); subjects whose follow-up ended are
/// folded into M = Σ U'U, mapped by H'MH. se_k² = Σ_live U_ik² + M_kk.
/// </summary>
internal interface IInfluenceTracker
{
    /// <summary>A subject's follow-up begins (its first row enters the risk set now).</summary>
    void Enter(int subject);

    /// <summary>A row of the subject, in state <paramref name="state"/>, enters the risk set.</summary>
    void AddRow(int subject, int state, double weight);

    /// <summary>A row of the subject leaves the risk set.</summary>
    void RemoveRow(int subject, int state, double weight);

    /// <summary>The subject's follow-up has ended: its influence joins M.</summary>
    void Fold(int subject);

    /// <summary>A transition time: H = I + dA, the at-risk terms (c_jk per unit weight), then the subjects moving
    /// (subject, from, to, v).</summary>
    void Step(double[,] dA, double[,] c, IReadOnlyList<(int Subject, int From, int To, double V)> moves);

    /// <summary>The standard error of each state's probability now.</summary>
    void StdErr(double[] se);
}

/// <summary>Shared pieces: M and its rounding scale.</summary>
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
        double H(int r, int c)
        {
            double h = (r == c ? 1 : 0) + dA[r, c];
            return absolute ? Math.Abs(h) : h;
        }

        var hm = new double[S, S];
        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                double v = 0;
                for (int r = 0; r < S; r++)
                {
                    v += H(r, j) * M[r, k];
                }

                hm[j, k] = v;
            }
        }

        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                double v = 0;
                for (int r = 0; r < S; r++)
                {
                    v += hm[j, r] * H(r, k);
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
internal sealed class SlotInfluence : FoldedInfluence, IInfluenceTracker
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
/// The influence of live subjects held in groups by the time they last changed (their anchor a): a subject of group a
/// in state j (or none) has U_i(t) = u_i P_a(t) + w_i Q_{a,j}(t), with u_i its influence at a, P_a = Π_{a &lt; s ≤ t} H(s)
/// and Q_{a,j} the at-risk terms of a unit weight in j since a (Q ← QH + x_j). A group keeps Σ u'u, Σ_j w u and Σ_j w²,
/// so a transition time costs a few S × S products per group, not a vector operation over every subject; a subject is
/// evaluated only when it changes (a row starts or ends, it moves, it leaves). se_k² = Σ_groups [P'(Σu'u)P + 2(Σwu)P·Q
/// + (Σw²)Q²]_k + M_kk; a sum within rounding of its scale (the same sums over absolute values) is 0.
/// </summary>
internal sealed class GroupedInfluence : FoldedInfluence, IInfluenceTracker
{
    private readonly double[] weight;
    private readonly double[] u;        // subjects x S: the influence at the anchor
    private readonly int[] group;       // -1: not yet entered or folded
    private readonly int[] state;       // -1: not at risk
    private readonly int[] rowsAtRisk;
    private readonly List<Group> groups = [];
    private readonly List<Group> alive = [];
    private readonly Stack<Group> free = new();
    private Group? pending;             // the group of subjects anchored since the last transition time

    public GroupedInfluence(int states, double[] subjectWeight)
        : base(states)
    {
        int m = subjectWeight.Length;
        weight = subjectWeight;
        u = new double[m * S];
        group = new int[m];
        Array.Fill(group, -1);
        state = new int[m];
        Array.Fill(state, -1);
        rowsAtRisk = new int[m];
    }

    public void Enter(int subject)
    {
        // the influence starts at 0; the subject joins a group with its first row
    }

    public void AddRow(int subject, int st, double w)
    {
        rowsAtRisk[subject]++;
        if (state[subject] != st || group[subject] < 0)
        {
            Reanchor(subject, st);
        }
    }

    public void RemoveRow(int subject, int st, double w)
    {
        if (--rowsAtRisk[subject] == 0)
        {
            Reanchor(subject, -1);
        }
    }

    public void Fold(int subject)
    {
        if (group[subject] < 0)
        {
            return;
        }

        Span<double> now = stackalloc double[S];
        Current(subject, now);
        Leave(subject);
        AddToM(now);
        group[subject] = -1;
        state[subject] = -1;
    }

    public void Step(double[,] dA, double[,] c, IReadOnlyList<(int Subject, int From, int To, double V)> moves)
    {
        var x = new double[S * S];   // x_j per state j, row-major
        for (int j = 0; j < S; j++)
        {
            for (int k = 0; k < S; k++)
            {
                if (c[j, k] != 0)
                {
                    x[(j * S) + j] += c[j, k];
                    x[(j * S) + k] -= c[j, k];
                }
            }
        }

        var h = new double[S * S];
        var habs = new double[S * S];
        for (int r = 0; r < S; r++)
        {
            for (int k = 0; k < S; k++)
            {
                double v = (r == k ? 1 : 0) + dA[r, k];
                h[(r * S) + k] = v;
                habs[(r * S) + k] = Math.Abs(v);
            }
        }

        var tmp = new double[S];
        foreach (var g in alive)
        {
            RightMultiply(g.P, h, tmp, S);
            RightMultiply(g.Pabs, habs, tmp, S);
            for (int j = 0; j < S; j++)
            {
                if (g.InState[j] == 0)
                {
                    continue;
                }

                var q = g.Q.AsSpan(j * S, S);
                var qa = g.Qabs.AsSpan(j * S, S);
                RowTimes(q, h, tmp, S);
                RowTimes(qa, habs, tmp, S);
                for (int k = 0; k < S; k++)
                {
                    q[k] += x[(j * S) + k];
                    qa[k] += Math.Abs(x[(j * S) + k]);
                }
            }
        }

        pending = null;   // the groups anchored before this time are closed

        Span<double> now = stackalloc double[S];
        foreach (var (s, j, k, v) in moves)
        {
            Current(s, now);
            now[j] -= v;
            now[k] += v;
            int st = state[s];
            Leave(s);
            Join(s, now, st);
        }

        FoldStep(dA);
    }

    public void StdErr(double[] se)
    {
        for (int k = 0; k < S; k++)
        {
            double live = 0, scale = 0;
            foreach (var g in alive)
            {
                // P[:,k]' A P[:,k], with its absolute twin
                double quad = 0, quadAbs = 0;
                for (int r = 0; r < S; r++)
                {
                    double ar = 0, arAbs = 0;
                    for (int q = 0; q < S; q++)
                    {
                        ar += g.A[(r * S) + q] * g.P[(q * S) + k];
                        arAbs += g.Aabs[(r * S) + q] * g.Pabs[(q * S) + k];
                    }

                    quad += g.P[(r * S) + k] * ar;
                    quadAbs += g.Pabs[(r * S) + k] * arAbs;
                }

                live += quad;
                scale += quadAbs;
                for (int j = 0; j < S; j++)
                {
                    if (g.InState[j] == 0)
                    {
                        continue;
                    }

                    double bp = 0, bpAbs = 0;
                    for (int r = 0; r < S; r++)
                    {
                        bp += g.B[(j * S) + r] * g.P[(r * S) + k];
                        bpAbs += g.Babs[(j * S) + r] * g.Pabs[(r * S) + k];
                    }

                    double qk = g.Q[(j * S) + k], qkAbs = g.Qabs[(j * S) + k];
                    live += (2 * bp * qk) + (g.C[j] * qk * qk);
                    scale += (2 * bpAbs * qkAbs) + (g.C[j] * qkAbs * qkAbs);
                }
            }

            double part = live <= 64 * 2.220446049250313e-16 * scale ? 0 : live;
            se[k] = Math.Sqrt(part + Folded(k));
        }
    }

    /// <summary>The subject's influence now.</summary>
    private void Current(int s, Span<double> now)
    {
        now.Clear();
        int gi = group[s];
        if (gi < 0)
        {
            return;
        }

        var g = groups[gi];
        var us = u.AsSpan(s * S, S);
        for (int r = 0; r < S; r++)
        {
            double ur = us[r];
            if (ur == 0)
            {
                continue;
            }

            for (int k = 0; k < S; k++)
            {
                now[k] += ur * g.P[(r * S) + k];
            }
        }

        int st = state[s];
        if (st >= 0)
        {
            double w = weight[s];
            for (int k = 0; k < S; k++)
            {
                now[k] += w * g.Q[(st * S) + k];
            }
        }
    }

    private void Reanchor(int s, int st)
    {
        if (pending is not null && group[s] == pending.Index)
        {
            // still in the group anchored now (P = I, Q = 0): its influence is u; only the state changes
            Restate(pending, s, st);
            return;
        }

        Span<double> now = stackalloc double[S];
        Current(s, now);
        if (group[s] >= 0)
        {
            Leave(s);
        }

        Join(s, now, st);
    }

    private void Restate(Group g, int s, int st)
    {
        var us = u.AsSpan(s * S, S);
        g.LeaveState(state[s], weight[s], us);
        g.JoinState(st, weight[s], us);
        state[s] = st;
    }

    private void Leave(int s)
    {
        var g = groups[group[s]];
        var us = u.AsSpan(s * S, S);
        double w = weight[s];
        int st = state[s];
        for (int r = 0; r < S; r++)
        {
            for (int q = 0; q < S; q++)
            {
                g.A[(r * S) + q] -= us[r] * us[q];
                g.Aabs[(r * S) + q] -= Math.Abs(us[r] * us[q]);
            }
        }

        g.LeaveState(st, w, us);
        if (--g.Count == 0)
        {
            alive.Remove(g);
            if (ReferenceEquals(g, pending))
            {
                pending = null;
            }

            free.Push(g);
        }

        group[s] = -1;
    }

    private void Join(int s, ReadOnlySpan<double> now, int st)
    {
        if (pending is null)
        {
            pending = free.Count > 0 ? free.Pop() : NewGroup();
            pending.Reset(S);
            alive.Add(pending);
        }

        var g = pending;
        var us = u.AsSpan(s * S, S);
        now.CopyTo(us);
        double w = weight[s];
        for (int r = 0; r < S; r++)
        {
            for (int q = 0; q < S; q++)
            {
                g.A[(r * S) + q] += us[r] * us[q];
                g.Aabs[(r * S) + q] += Math.Abs(us[r] * us[q]);
            }
        }

        g.JoinState(st, w, us);
        g.Count++;
        group[s] = g.Index;
        state[s] = st;
    }

    private Group NewGroup()
    {
        var g = new Group(groups.Count, S);
        groups.Add(g);
        return g;
    }

    /// <summary>P ← P·H for an S × S row-major P.</summary>
    private static void RightMultiply(double[] p, double[] h, double[] row, int S)
    {
        for (int r = 0; r < S; r++)
        {
            RowTimes(p.AsSpan(r * S, S), h, row, S);
        }
    }

    /// <summary>v ← v·H for a row vector v.</summary>
    private static void RowTimes(Span<double> v, double[] h, double[] scratch, int S)
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

        scratch.AsSpan(0, S).CopyTo(v);
    }

    private sealed class Group(int index, int states)
    {
        public int Index { get; } = index;

        public int Count { get; set; }

        public double[] P { get; } = new double[states * states];

        public double[] Pabs { get; } = new double[states * states];

        public double[] Q { get; } = new double[states * states];

        public double[] Qabs { get; } = new double[states * states];

        public double[] A { get; } = new double[states * states];

        public double[] Aabs { get; } = new double[states * states];

        public double[] B { get; } = new double[states * states];

        public double[] Babs { get; } = new double[states * states];

        public double[] C { get; } = new double[states];

        public int[] InState { get; } = new int[states];

        /// <summary>A member of weight <paramref name="w"/> and anchor influence <paramref name="us"/> enters state
        /// <paramref name="st"/> (none: −1).</summary>
        public void JoinState(int st, double w, ReadOnlySpan<double> us)
        {
            if (st < 0)
            {
                return;
            }

            int S = us.Length;
            for (int r = 0; r < S; r++)
            {
                B[(st * S) + r] += w * us[r];
                Babs[(st * S) + r] += Math.Abs(w * us[r]);
            }

            C[st] += w * w;
            InState[st]++;
        }

        /// <summary>A member leaves state <paramref name="st"/>; when no one is left in it, its sums are exactly 0.</summary>
        public void LeaveState(int st, double w, ReadOnlySpan<double> us)
        {
            if (st < 0)
            {
                return;
            }

            int S = us.Length;
            if (--InState[st] == 0)
            {
                B.AsSpan(st * S, S).Clear();
                Babs.AsSpan(st * S, S).Clear();
                C[st] = 0;
                return;
            }

            for (int r = 0; r < S; r++)
            {
                B[(st * S) + r] -= w * us[r];
                Babs[(st * S) + r] -= Math.Abs(w * us[r]);
            }

            C[st] -= w * w;
        }

        public void Reset(int S)
        {
            Count = 0;
            Array.Clear(P);
            Array.Clear(Pabs);
            for (int k = 0; k < S; k++)
            {
                P[(k * S) + k] = 1;
                Pabs[(k * S) + k] = 1;
            }

            Array.Clear(Q);
            Array.Clear(Qabs);
            Array.Clear(A);
            Array.Clear(Aabs);
            Array.Clear(B);
            Array.Clear(Babs);
            Array.Clear(C);
            Array.Clear(InState);
        }
    }
}
