namespace CarTRisk;

public static partial class AdjustedRisk
{
    /// <summary>Augmented IPTW with augmented IPCW (= ate's "AIPTW,AIPCW", riskRegression 2022.11.28): the outcome model
    /// (cause-specific Cox models), the propensity model and the censoring model of <see cref="Iptw"/>. For patient j
    /// and level a at time τ, with w_j = 1{A_j = a}/π_a(W_j):
    /// ψ_j = F₁(τ | a, W_j) + w_j·[C_j Y_j / G_j − F₁(τ | a, W_j) + Σ_{l ≤ J(τ), c_l ≤ T_j} (F₁(τ) − F₁(c_l)) dM_j(c_l) / (S(c_l−) G(c_{l−1}))],
    /// the sum over ate's censoring jump list c (every censored record's time, ties repeated, cut at the last jump
    /// before min(max T, max τ)), dM_j(c_l) = 1{T_j = c_l, censored} − r_j λ_C(c_l), S the outcome models' product-limit
    /// event-free survival, G the censoring model's product-limit survival at the previous jump. The influence function
    /// is ate's: (ψ_i − θ)/n plus the derivative of the mean of ψ with respect to every nuisance parameter times that
    /// parameter's influence, with riskRegression's conventions (the derivatives of S and of the censoring survival taken
    /// on exp(−Σ rΛ), the one-event-per-time IF(β) and IF(λ) of <see cref="CauseModel"/>).</summary>
    private sealed class Aiptw
    {
        private const double Tol = 1e-12;   // ate's tol: survival "just before" a jump is evaluated at jump − 1e-12

        private CauseModel[] models = [];
        private int interest;
        private Iptw nuisance = null!;
        private DesignMatrix design = null!;
        private int levelCount;

        public string? Note { get; private init; }

        public static Aiptw Fit(double[] time, int[] cause, int[] level, DesignMatrix confounders, DesignMatrix design,
            IEnumerable<int> causeCodes, int eventOfInterest, int levelCount)
        {
            var models = CauseModel.FitAll(time, cause, [.. causeCodes], design);
            var nuisance = Iptw.Fit(time, cause, level, confounders, design);
            var notes = models.Where(m => !m.Model.Converged).Select(m => $"cause {m.Cause}: {m.Model.ConvergenceNote}").ToList();
            if (nuisance.Note is not null)
            {
                notes.Add(nuisance.Note);
            }

            return new Aiptw
            {
                models = models,
                interest = Array.FindIndex(models, m => m.Cause == eventOfInterest),
                nuisance = nuisance,
                design = design,
                levelCount = levelCount,
                Note = notes.Count == 0 ? null : string.Join("; ", notes),
            };
        }

        /// <summary>θ_a at the sorted times and each record's influence (on the scale whose sum of squares is the variance).</summary>
        /// <exception cref="ArithmeticException">An augmentation term is undefined: a predicted survival or censoring
        /// survival of 0 before a censoring jump of a record the estimator weights.</exception>
        public (double[] Theta, double[][] Influence) Estimate(int a, double[] ts, double[] time, int[] cause, int[] level)
        {
            int n = time.Length;
            int nc = models.Length;
            int nt = ts.Length;
            int p = design.Columns;
            double inv = 1.0 / n;
            double tauMax = ts[^1];

            // the outcome models on the union grid U of their event times up to the last time asked
            var grid = models.SelectMany(m => m.Times).Where(s => s <= tauMax).Distinct().Order().ToArray();
            int K = grid.Length;
            var lambda = new double[nc][];
            var cum = new double[nc][];   // cum[c][m] = Σ_{u < m} λ_c[u]
            for (int c = 0; c < nc; c++)
            {
                lambda[c] = new double[K];
                cum[c] = new double[K + 1];
                for (int u = 0; u < K; u++)
                {
                    int idx = Array.BinarySearch(models[c].Times, grid[u]);
                    lambda[c][u] = idx >= 0 ? models[c].Hazard[idx] : 0;
                    cum[c][u + 1] = cum[c][u] + lambda[c][u];
                }
            }

            // the censoring model on its own grid V
            var censor = nuisance.Censoring;   // null: no record censored (G = 1, no augmentation)
            var vGrid = censor?.Times ?? [];
            int nv = vGrid.Length;
            var lamC = censor?.Hazard ?? [];
            var cumC = new double[nv + 1];
            for (int v = 0; v < nv; v++)
            {
                cumC[v + 1] = cumC[v] + lamC[v];
            }

            // ate's jump list: all censoring times (ties repeated) up to the last one at or before
            // max_j min(T_j, max τ) − tol
            var all = nuisance.CensoringJumps;
            double reach = double.NegativeInfinity;
            foreach (double t in time)
            {
                reach = Math.Max(reach, Math.Min(t, tauMax) - Tol);
            }

            int L = SortedSearch.CountAtMost(all, reach);
            var jumps = all.AsSpan(0, L).ToArray();
            var nJ = ts.Select(t => SortedSearch.CountAtMost(jumps, t)).ToArray();
            var uTau = ts.Select(t => SortedSearch.CountAtMost(grid, t)).ToArray();
            var rank = new int[L];    // the position of c_l's value among the distinct jump values
            for (int l = 1; l < L; l++)
            {
                rank[l] = rank[l - 1] + (jumps[l] != jumps[l - 1] ? 1 : 0);
            }

            var uF = new int[L];      // F₁ at the jump: grid points ≤ c_l
            var uS = new int[L];      // S just before the jump: grid points ≤ c_l − tol
            var vPrev = new int[L];   // the censoring survival at the previous jump (0 for the first)
            var vMinus = new int[L];  // the censoring survival just before the jump (its derivative)
            var vAt = new int[L];     // the censoring hazard at the jump
            for (int l = 0; l < L; l++)
            {
                uF[l] = SortedSearch.CountAtMost(grid, jumps[l]);
                uS[l] = SortedSearch.CountAtMost(grid, jumps[l] - Tol);
                vPrev[l] = SortedSearch.CountAtMost(vGrid, l == 0 ? 0 : jumps[l - 1]);
                vMinus[l] = SortedSearch.CountAtMost(vGrid, jumps[l] - Tol);
                vAt[l] = Array.BinarySearch(vGrid, jumps[l]);
            }

            var ps = nuisance.Propensity;
            var psX = nuisance.PropensityDesign;
            int q = psX.Length;
            int ci = interest;

            // per-block accumulators (merged in block order: the sums do not depend on the scheduling)
            int blocks = Math.Max(1, Math.Min(64, n / 1024));
            var parts = new Accumulator[blocks];
            var psi = new double[nt][];
            for (int k = 0; k < nt; k++)
            {
                psi[k] = new double[n];
            }

            string? failure = null;
            Parallel.For(0, blocks, blk =>
            {
                int lo = (int)((long)n * blk / blocks), hi = (int)((long)n * (blk + 1) / blocks);
                var acc = new Accumulator(nt, nc, K, p, nv, q);
                var z = new double[p];
                var xc = new double[nc][];
                for (int c = 0; c < nc; c++)
                {
                    xc[c] = new double[p];
                }

                var r = new double[nc];
                var sProd = new double[K + 1];
                var fv = new double[K];
                var gp = new double[nv + 1];
                var dmI = new double[L];    // dM / (S G)
                var fJump = new double[L];
                var sJump = new double[L];
                var gJump = new double[L];
                var phi = new double[K + 1];     // F-weights by grid count m
                var phiF = new double[K + 1];    // F-weights × F(t)
                var psiS = new double[K + 1];    // S-weights × S(t−)
                var omega = new double[nv + 1];  // censoring-survival weights × exp(−rΛ)
                var hazW = new double[nv];       // censoring-hazard weights
                for (int j = lo; j < hi; j++)
                {
                    // the design under level a, and each cause's relative risk
                    for (int k = 0; k < p; k++)
                    {
                        z[k] = design[j, k];
                    }

                    for (int k = 1; k < levelCount; k++)
                    {
                        z[k - 1] = a == k ? 1 : 0;
                    }

                    for (int c = 0; c < nc; c++)
                    {
                        double eta = 0;
                        for (int k = 0; k < p; k++)
                        {
                            xc[c][k] = z[k] - models[c].Center[k];
                            eta += xc[c][k] * models[c].Beta[k];
                        }

                        r[c] = Math.Exp(eta);
                    }

                    // the product-limit event-free survival and the absolute risk of the cause along U
                    sProd[0] = 1;
                    double f = 0;
                    for (int u = 0; u < K; u++)
                    {
                        double h = 1;
                        for (int c = 0; c < nc; c++)
                        {
                            h -= r[c] * lambda[c][u];
                        }

                        f += sProd[u] * r[ci] * lambda[ci][u];
                        fv[u] = f;
                        sProd[u + 1] = sProd[u] * h;
                    }

                    double pr = ps.FittedValues[j];
                    double pi = a == 1 ? pr : 1 - pr;
                    double w = level[j] == a ? 1 / pi : 0;
                    double rC = w != 0 && censor is not null ? censor.Risk(j) : 0;
                    int lastJ = 0;
                    if (w != 0)
                    {
                        gp[0] = 1;
                        for (int v = 0; v < nv; v++)
                        {
                            gp[v + 1] = gp[v] * (1 - (rC * lamC[v]));
                        }

                        lastJ = SortedSearch.CountAtMost(jumps, time[j]);   // jumps while the record is under observation
                        for (int l = 0; l < lastJ; l++)
                        {
                            double g = gp[vPrev[l]];
                            double s = sProd[uS[l]];
                            double dm = (time[j] == jumps[l] && cause[j] == 0 ? 1 : 0) - (rC * lamC[vAt[l]]);
                            gJump[l] = g;
                            sJump[l] = s;
                            fJump[l] = uF[l] > 0 ? fv[uF[l] - 1] : 0;
                            dmI[l] = dm / (g * s);
                            if (!double.IsFinite(dmI[l]))
                            {
                                failure ??= $"record {j}: the predicted event-free survival ({s}) or censoring survival ({g}) is 0 before the censoring jump at {jumps[l]}";
                            }
                        }
                    }

                    for (int k = 0; k < nt; k++)
                    {
                        double fTau = uTau[k] > 0 ? fv[uTau[k] - 1] : 0;
                        if (w == 0)
                        {
                            psi[k][j] = fTau;
                            if (uTau[k] > 0)
                            {
                                Array.Clear(phi);
                                Array.Clear(phiF);
                                Array.Clear(psiS);
                                phi[uTau[k]] = inv;
                                phiF[uTau[k]] = inv * fTau;
                                acc.AddOutcome(k, phi, phiF, psiS, sProd, fv, lambda, cum, r, xc, ci);
                            }

                            continue;
                        }

                        // the augmentation over the jumps up to min(T_j, τ)
                        int upto = Math.Min(lastJ, nJ[k]);
                        double integral = 0, integralF = 0;
                        for (int l = 0; l < upto; l++)
                        {
                            integral += dmI[l];
                            integralF += fJump[l] * dmI[l];
                        }

                        double aug = (fTau * integral) - integralF;

                        // the IPCW term C Y / G, G the censoring survival at the last jump ≤ min(T, τ) − tol
                        bool y = time[j] <= ts[k] && cause[j] == models[ci].Cause;
                        double gT = 1;
                        int mT = 0;
                        if (y)
                        {
                            int idx = SortedSearch.CountAtMost(all, Math.Min(time[j], ts[k]) - Tol);
                            double tt = idx == 0 ? 0 : all[idx - 1];
                            mT = SortedSearch.CountAtMost(vGrid, tt);
                            gT = gp[mT];
                        }

                        double ipcw = y ? 1 / gT : 0;
                        psi[k][j] = fTau + (w * (ipcw - fTau + aug));

                        // the outcome models: F₁(τ) and F₁ at the jumps, S before the jumps
                        Array.Clear(phi);
                        Array.Clear(phiF);
                        Array.Clear(psiS);
                        Array.Clear(omega);
                        Array.Clear(hazW);
                        double phiTau = (1 - w + (w * integral)) * inv;
                        phi[uTau[k]] += phiTau;
                        phiF[uTau[k]] += phiTau * fTau;
                        double hazBeta = 0;
                        // F₁ at the jumps, with ate's alignment of weights to repeated jump times: R's predictRisk
                        // evaluates a cause-specific model at the distinct jump times, the u-th with the u-th weight column,
                        // and returns that value for every copy of the time (riskRegression 2022.11.28, predict.CauseSpecificCox)
                        for (int l = 0; l < nJ[k]; l++)
                        {
                            int col = rank[l];
                            if (col < lastJ)
                            {
                                double wl = -w * dmI[col] * inv;
                                double fl = uF[l] > 0 ? fv[uF[l] - 1] : 0;
                                phi[uF[l]] += wl;
                                phiF[uF[l]] += wl * fl;
                            }
                        }

                        for (int l = 0; l < upto; l++)
                        {
                            double gap = fTau - fJump[l];
                            psiS[uS[l]] += -w * gap * dmI[l] * inv;
                            omega[vMinus[l]] += -w * gap * dmI[l] / gJump[l] * inv * Math.Exp(-rC * cumC[vMinus[l]]);
                            double hw = -w * gap / (sJump[l] * gJump[l]) * inv;
                            hazW[vAt[l]] += hw * rC;
                            hazBeta += hw * rC * lamC[vAt[l]];
                        }

                        acc.AddOutcome(k, phi, phiF, psiS, sProd, fv, lambda, cum, r, xc, ci);

                        // the censoring model: G at min(T, τ) in the weight, G and the hazard in the augmentation
                        if (y)
                        {
                            omega[mT] += -w / (gT * gT) * inv * Math.Exp(-rC * cumC[mT]);
                        }

                        if (censor is not null)
                        {
                            acc.AddCensoring(k, omega, hazW, hazBeta, cumC, rC, censor.CenteredRow(j));
                        }

                        // the propensity model: dπ_a/dγ = ±π(1 − π)·x
                        double phiPs = -(w / pi) * (ipcw - fTau + aug) * inv;
                        double dpi = (a == 1 ? 1 : -1) * pr * (1 - pr);
                        var gps = acc.Ps[k];
                        for (int t = 0; t < q; t++)
                        {
                            gps[t] += phiPs * dpi * psX[t][j];
                        }
                    }
                }

                parts[blk] = acc;
            });

            if (failure is not null)
            {
                throw new ArithmeticException("the AIPTW augmentation is undefined: " + failure + ".");
            }

            var total = parts[0];
            for (int blk = 1; blk < blocks; blk++)
            {
                total.Add(parts[blk]);
            }

            var psIf = nuisance.PropensityInfluence;
            var theta = new double[nt];
            var influence = new double[nt][];
            for (int k = 0; k < nt; k++)
            {
                double mean = psi[k].Sum() * inv;
                theta[k] = mean;
                var inf = new double[n];
                for (int i = 0; i < n; i++)
                {
                    inf[i] = (psi[k][i] - mean) * inv;
                }

                for (int c = 0; c < nc; c++)
                {
                    var m = models[c];
                    var g = new double[m.Times.Length];
                    for (int l = 0; l < g.Length; l++)
                    {
                        int u = Array.BinarySearch(grid, m.Times[l]);
                        g[l] = u >= 0 ? total.Lambda[k][c][u] : 0;
                    }

                    m.AddInfluence(total.Beta[k][c], g, time, cause, inf);
                }

                censor?.AddInfluence(total.BetaC[k], total.LambdaC[k], time, cause, inf);
                var gps = total.Ps[k];
                for (int i = 0; i < n; i++)
                {
                    double v = 0;
                    for (int t = 0; t < q; t++)
                    {
                        v += psIf[(i * q) + t] * gps[t];
                    }

                    inf[i] += v;
                }

                influence[k] = inf;
            }

            return (theta, influence);
        }

        /// <summary>The gradients of the mean of ψ (per time) with respect to the nuisance parameters.</summary>
        private sealed class Accumulator
        {
            public Accumulator(int nt, int nc, int K, int p, int nv, int q)
            {
                Lambda = new double[nt][][];
                Beta = new double[nt][][];
                LambdaC = new double[nt][];
                BetaC = new double[nt][];
                Ps = new double[nt][];
                for (int k = 0; k < nt; k++)
                {
                    Lambda[k] = new double[nc][];
                    Beta[k] = new double[nc][];
                    for (int c = 0; c < nc; c++)
                    {
                        Lambda[k][c] = new double[K];
                        Beta[k][c] = new double[p];
                    }

                    LambdaC[k] = new double[nv];
                    BetaC[k] = new double[p];
                    Ps[k] = new double[q];
                }
            }

            public double[][][] Lambda { get; }   // [time][cause][grid point]

            public double[][][] Beta { get; }     // [time][cause][coefficient]

            public double[][] LambdaC { get; }    // [time][censoring time]

            public double[][] BetaC { get; }

            public double[][] Ps { get; }

            /// <summary>One record's F- and S-weights: phi[m] (Σ φ over the times with m grid points ≤ t), phiF[m]
            /// (Σ φ·F₁(t)), psiS[m] (Σ ψ·S(t−) over the times with m grid points before them).
            /// ∂F₁(t)/∂λ_c(u) = [c = 1] r₁ S(u−) − r_c (F₁(t) − F₁(u)), ∂F₁(t)/∂β_c = x̃_c([c = 1] F₁(t) − r_c(F₁(t)Λ_c(t) −
            /// Σ_{u ≤ t} F₁(u)λ_c(u))), ∂S(t−)/∂λ_c(u) = −r_c S(t−) (u &lt; t), ∂S(t−)/∂β_c = −r_c Λ_c(t−) S(t−) x̃_c.</summary>
            public void AddOutcome(int k, double[] phi, double[] phiF, double[] psiS, double[] sProd, double[] fv,
                double[][] lambda, double[][] cum, double[] r, double[][] xc, int interest)
            {
                int K = fv.Length;
                int nc = r.Length;
                double totalF = 0;
                for (int m = 1; m <= K; m++)
                {
                    totalF += phiF[m];
                }

                for (int c = 0; c < nc; c++)
                {
                    var gl = Lambda[k][c];
                    var lc = lambda[c];
                    var cc = cum[c];
                    double rc = r[c];
                    double phiGe = 0, rGe = 0, psiGt = 0, a = 0, b = 0;
                    for (int u = K - 1; u >= 0; u--)
                    {
                        phiGe += phi[u + 1];
                        rGe += phiF[u + 1];
                        psiGt += psiS[u + 1];
                        a += (phiF[u + 1] + psiS[u + 1]) * cc[u + 1];
                        b += fv[u] * lc[u] * phiGe;
                        double d = (fv[u] * phiGe) - rGe - psiGt;
                        if (c == interest)
                        {
                            d += sProd[u] * phiGe;
                        }

                        gl[u] += rc * d;
                    }

                    double scalar = -rc * (a - b);
                    if (c == interest)
                    {
                        scalar += totalF;
                    }

                    var gb = Beta[k][c];
                    var x = xc[c];
                    for (int t = 0; t < gb.Length; t++)
                    {
                        gb[t] += scalar * x[t];
                    }
                }
            }

            /// <summary>One record's censoring-model weights: omega[m] (Σ φ·exp(−rΛ_C) over the survival evaluations
            /// with m censoring times counted), hazW[v] (Σ φ·r at the hazard of censoring time v), hazBeta (Σ φ·r·λ_C).</summary>
            public void AddCensoring(int k, double[] omega, double[] hazW, double hazBeta, double[] cumC, double rC, ReadOnlySpan<double> x)
            {
                int nv = hazW.Length;
                var gl = LambdaC[k];
                double suffix = 0, a = 0;
                a += omega[0] * cumC[0];
                for (int v = nv - 1; v >= 0; v--)
                {
                    suffix += omega[v + 1];
                    a += omega[v + 1] * cumC[v + 1];
                    gl[v] += hazW[v] - (rC * suffix);
                }

                double scalar = hazBeta - (rC * a);
                var gb = BetaC[k];
                for (int t = 0; t < gb.Length; t++)
                {
                    gb[t] += scalar * x[t];
                }
            }

            public void Add(Accumulator other)
            {
                for (int k = 0; k < Lambda.Length; k++)
                {
                    for (int c = 0; c < Lambda[k].Length; c++)
                    {
                        AddTo(Lambda[k][c], other.Lambda[k][c]);
                        AddTo(Beta[k][c], other.Beta[k][c]);
                    }

                    AddTo(LambdaC[k], other.LambdaC[k]);
                    AddTo(BetaC[k], other.BetaC[k]);
                    AddTo(Ps[k], other.Ps[k]);
                }
            }

            private static void AddTo(double[] target, double[] source)
            {
                for (int i = 0; i < target.Length; i++)
                {
                    target[i] += source[i];
                }
            }
        }
    }
}
