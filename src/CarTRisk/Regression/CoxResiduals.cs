namespace CarTRisk;

/// <summary>Score residuals (robust variance) and the baseline hazard of a Cox fit, from the per-time sums.</summary>
internal static class CoxResiduals
{
    /// <summary>Per event time (ascending within each stratum): the risk-set terms a (scalar) and b (vector) for a subject
    /// at risk, the same for a subject that dies there (Efron's (1 − k/d) factor), and the mean of x̄_k.</summary>
    private sealed record Terms(int Stratum, double Time, double A, double[] B, double AD, double[] BD, double[] MeanXbar, double H0);

    private static List<Terms> Build(List<CoxEventTime> trace, bool efron, int p)
    {
        var list = new List<Terms>(trace.Count);
        foreach (var e in trace.OrderBy(e => e.Stratum).ThenBy(e => e.Time))
        {
            int terms = efron ? e.Deaths : 1;
            double wk = efron ? e.WeightSum / e.Deaths : e.WeightSum;
            double a = 0, ad = 0, h0 = 0;
            var b = new double[p];
            var bd = new double[p];
            var mean = new double[p];
            for (int k = 0; k < terms; k++)
            {
                double f = efron ? (double)k / e.Deaths : 0;
                double c = 1 - f;
                double denom = e.S0 - (f * e.E0);
                a += wk / denom;
                ad += c * wk / denom;
                h0 += wk / denom;
                for (int j = 0; j < p; j++)
                {
                    double xbar = (e.S1[j] - (f * e.E1[j])) / denom;
                    b[j] += wk * xbar / denom;
                    bd[j] += c * wk * xbar / denom;
                    mean[j] += xbar / terms;
                }
            }

            list.Add(new Terms(e.Stratum, e.Time, a, b, ad, bd, mean, h0));
        }

        return list;
    }

    /// <summary>The weighted score residuals r_i (n × p row-major).</summary>
    public static double[] ScoreResiduals(CoxData d, double[] beta, List<CoxEventTime> trace, bool efron)
    {
        int n = d.N, p = d.P;
        var terms = Build(trace, efron, p);
        int strata = d.StrataStart.Length - 1;
        // prefix sums per stratum over ascending event times
        var byStratum = Enumerable.Range(0, strata).Select(s => terms.Where(t => t.Stratum == s).ToArray()).ToArray();
        var cumA = new double[strata][];
        var cumB = new double[strata][][];
        for (int s = 0; s < strata; s++)
        {
            var ts = byStratum[s];
            cumA[s] = new double[ts.Length + 1];
            cumB[s] = new double[ts.Length + 1][];
            cumB[s][0] = new double[p];
            for (int k = 0; k < ts.Length; k++)
            {
                cumA[s][k + 1] = cumA[s][k] + ts[k].A;
                cumB[s][k + 1] = new double[p];
                for (int j = 0; j < p; j++)
                {
                    cumB[s][k + 1][j] = cumB[s][k][j] + ts[k].B[j];
                }
            }
        }

        var resid = new double[n * p];
        var times = byStratum.Select(ts => ts.Select(t => t.Time).ToArray()).ToArray();
        var b = new double[p];
        for (int i = 0; i < n; i++)
        {
            int s = d.Stratum[i];
            var ts = times[s];
            int upto = UpperBound(ts, d.Time[i]);             // event times <= exit
            int before = d.HasEntry ? UpperBound(ts, d.Entry[i]) : 0;   // event times <= entry (not at risk)
            double a = cumA[s][upto] - cumA[s][before];
            for (int j = 0; j < p; j++)
            {
                b[j] = cumB[s][upto][j] - cumB[s][before][j];
            }

            Terms? own = null;
            if (d.Status[i])
            {
                own = byStratum[s][upto - 1];   // the event time equal to this exit
                a += own.AD - own.A;
                for (int j = 0; j < p; j++)
                {
                    b[j] += own.BD[j] - own.B[j];
                }
            }

            double eta = 0;
            for (int j = 0; j < p; j++)
            {
                eta += d.X[(i * p) + j] * beta[j];
            }

            double risk = d.Weight[i] * Math.Exp(eta);
            for (int j = 0; j < p; j++)
            {
                double x = d.X[(i * p) + j];
                double r = -risk * ((x * a) - b[j]);
                if (own is not null)
                {
                    r += d.Weight[i] * (x - own.MeanXbar[j]);
                }

                resid[(i * p) + j] = r;
            }
        }

        return resid;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Σ_c (Σ_{i∈c} r_i V)ᵀ (Σ_{i∈c} r_i V): coxph's robust variance (dfbeta collapsed by cluster).</summary>
    public static double[] Robust(CoxData d, double[] beta, double[] naive, List<CoxEventTime> trace, bool efron)
    {
        int n = d.N, p = d.P;
        var r = ScoreResiduals(d, beta, trace, efron);
        var sums = new double[d.ClusterCount * p];
        for (int i = 0; i < n; i++)
        {
            int c = d.Cluster![i];
            for (int j = 0; j < p; j++)
            {
                double dfb = 0;
                for (int m = 0; m < p; m++)
                {
                    dfb += r[(i * p) + m] * naive[(m * p) + j];
                }

                sums[(c * p) + j] += dfb;
            }
        }

        var v = new double[p * p];
        for (int c = 0; c < d.ClusterCount; c++)
        {
            for (int j = 0; j < p; j++)
            {
                for (int m = 0; m < p; m++)
                {
                    v[(j * p) + m] += sums[(c * p) + j] * sums[(c * p) + m];
                }
            }
        }

        return v;
    }

    /// <summary>The baseline for prediction (unstratified): every distinct exit time, the hazard increments at centred
    /// covariates (Efron-type for Efron, Breslow for Breslow), and the unweighted counts.</summary>
    public static CoxBaseline Baseline(CoxData d, double[] beta, List<CoxEventTime> trace, bool efron)
    {
        var terms = Build(trace, efron, d.P).ToDictionary(t => t.Time, t => t.H0);
        var time = d.Time.Distinct().Order().ToArray();
        var atRisk = new double[time.Length];
        var deaths = new double[time.Length];
        var censored = new double[time.Length];
        var exits = d.Time.Order().ToArray();
        var entries = d.HasEntry ? d.Entry.Order().ToArray() : [];
        for (int k = 0; k < time.Length; k++)
        {
            double t = time[k];
            atRisk[k] = d.N - LowerBound(exits, t) - (entries.Length - LowerBound(entries, t));
        }

        for (int i = 0; i < d.N; i++)
        {
            int k = Array.BinarySearch(time, d.Time[i]);
            if (d.Status[i])
            {
                deaths[k]++;
            }
            else
            {
                censored[k]++;
            }
        }

        var h0 = time.Select(t => terms.TryGetValue(t, out var h) ? h : 0).ToArray();
        return new CoxBaseline
        {
            Time = time, AtRisk = atRisk, Deaths = deaths, Censored = censored, Center = d.Center,
            Increments = eta => h0.Select(h => h * Math.Exp(eta[0])).ToArray(),
        };
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
