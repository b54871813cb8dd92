namespace CarTRisk;

/// <summary>The weighted Fine-Gray fit by survival's route: the finegray() expansion of the data into (start, stop]
/// rows with censoring weights, then a weighted Cox model with the robust variance per subject.</summary>
internal static class FineGrayExpansion
{
    public static FineGrayModel Fit(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest,
        DesignMatrix covariates, double[] weights, FineGrayOptions options)
    {
        int n = durations.Length;
        ReadOnlySpan<double> time = durations;
        var scan = Guard.Durations(durations, nameof(durations));
        if (TimeFix.MayApply(scan) && TimeFix.Apply(durations, default) is { } fix)
        {
            time = fix.Exit;   // finegray's aeqSurv
        }

        int events = 0, competing = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            events += causes[i] == eventOfInterest ? 1 : 0;
            competing += causes[i] != 0 && causes[i] != eventOfInterest ? 1 : 0;
            min = Math.Min(min, time[i]);
            max = Math.Max(max, time[i]);
        }

        if (events == 0)
        {
            throw new ArgumentException($"no record has the event of interest {eventOfInterest}.", nameof(causes));
        }

        double zero = min > 0 ? 0 : (2 * min) - 1;

        // the censoring distribution G (Kaplan-Meier of the censorings; an event at t leaves the risk set before the
        // censorings at t), at its drop times ctime with values cprob
        var order = Enumerable.Range(0, n).ToArray();
        var sortedTimes = time.ToArray();
        Array.Sort(sortedTimes, order);
        var ctime = new List<double>();
        var cprob = new List<double>();
        double g = 1;
        int k = 0;
        while (k < n)
        {
            double t = time[order[k]];
            int atRisk = n - k;
            int ev = 0, cens = 0;
            int j = k;
            while (j < n && time[order[j]] == t)
            {
                if (causes[order[j]] == 0)
                {
                    cens++;
                }
                else
                {
                    ev++;
                }

                j++;
            }

            if (cens > 0)
            {
                g *= 1 - ((double)cens / (atRisk - ev));
                ctime.Add(t);
                cprob.Add(g);
            }

            k = j;
        }

        // ct2 = (ctime, maxtime), cp2 = (1, cprob): the interval (ct2[j-1], ct2[j]] has G = cp2[j]
        var ct2 = new double[ctime.Count + 1];
        var cp2 = new double[ctime.Count + 1];
        ctime.CopyTo(ct2);
        ct2[^1] = max;
        cp2[0] = 1;
        cprob.CopyTo(cp2, 1);

        // keep the intervals that hold an event time of interest (findInterval(times, ct2, left.open = TRUE))
        var keep = new bool[ct2.Length + 1];
        keep[0] = true;
        for (int i = 0; i < n; i++)
        {
            if (causes[i] != eventOfInterest)
            {
                continue;
            }

            int idx = SortedSearch.CountBelow(ct2, time[i]);   // number of ct2 values < t
            if (idx >= 1)
            {
                keep[idx] = true;   // c(TRUE, ckeep)[idx] in 0-based C indexing = ckeep[idx]
            }
        }

        var row = new List<int>(n * 2);
        var start = new List<double>(n * 2);
        var stop = new List<double>(n * 2);
        var wt = new List<double>(n * 2);
        int ncut = cp2.Length;
        for (int i = 0; i < n; i++)
        {
            row.Add(i);
            start.Add(zero);
            stop.Add(time[i]);
            wt.Add(1);
            if (causes[i] == 0 || causes[i] == eventOfInterest)
            {
                continue;
            }

            int j = 0;
            while (j < ncut && ct2[j] < time[i])
            {
                j++;
            }

            if (j >= ncut)
            {
                continue;   // cannot happen: ct2 ends at the largest time
            }

            stop[^1] = ct2[j];
            double baseWeight = cp2[j];
            for (j++; j < ncut; j++)
            {
                if (keep[j])
                {
                    row.Add(i);
                    start.Add(ct2[j - 1]);
                    stop.Add(ct2[j]);
                    wt.Add(cp2[j] / baseWeight);
                }
            }
        }

        int m = row.Count;
        var rows = row.ToArray();
        var status = new bool[m];
        var caseWeights = new double[m];
        var cluster = new string[m];
        for (int r = 0; r < m; r++)
        {
            int i = rows[r];
            status[r] = causes[i] == eventOfInterest && start[r] == zero;
            caseWeights[r] = wt[r] * weights[i];
            cluster[r] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var cox = CoxRegression.Fit(stop.ToArray(), status, covariates.SelectRows(rows), CoxOptions.Default with
        {
            EntryTimes = [.. start],
            Weights = caseWeights,
            Cluster = cluster,
            Ties = TieMethod.Efron,
            Level = options.Level,
            MaxIterations = options.MaxIterations,
        });
        return new FineGrayModel
        {
            Terms = cox.Terms,
            Coefficients = cox.Coefficients,
            StdErr = cox.StdErr,
            SubdistributionHazardRatio = cox.HazardRatio,
            Lower = cox.Lower,
            Upper = cox.Upper,
            Z = cox.Z,
            PValue = cox.PValue,
            Variance = cox.Variance,
            InverseInformation = cox.NaiveVariance,
            LogPseudoLikelihood = cox.LogLikelihood,
            LogPseudoLikelihoodNull = cox.LogLikelihoodNull,
            Iterations = cox.Iterations,
            Converged = cox.Converged,
            ConvergenceMessage = cox.ConvergenceMessage,
            GradientNorm = cox.GradientNorm,
            Observations = n,
            ExpandedRows = m,
            Events = events,
            CompetingEvents = competing,
            Level = options.Level,
        };
    }
}
