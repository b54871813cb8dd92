namespace CarTRisk;

/// <summary>
/// Infinitesimal-jackknife standard errors of the Aalen-Johansen state probabilities (the event-free probability and
/// every cause's cumulative incidence), as <c>survfit(Surv(t, factor(cause)) ~ 1)$std.err</c> reports them.
/// </summary>
/// <remarks>
/// U_i(t) is the derivative of the estimate with respect to subject i's case weight, and se(t)² = Σ_i U_i(t)².
/// Subjects with the same exit row and cause have the same influence. Before its exit every subject follows one
/// common path: it only enlarges the risk sets. Past its exit row e the influence is α + β·X(t), linear in the state
/// probability X(t). So the sum over subjects is built from running sums, in O(rows × causes) after the table.
/// </remarks>
internal static class InfinitesimalJackknife
{
    /// <summary>64 ulps of 1: the relative size below which a variance built by cancellation is rounding noise.</summary>
    private const double RoundingFloor = 64 * 2.220446049250313e-16;

    /// <summary>Variances to standard errors in place (a tiny negative from rounding becomes 0).</summary>
    private static double[][] SquareRoots(double[][] variances)
    {
        foreach (var row in variances)
        {
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = Math.Sqrt(Math.Max(0, row[j]));
            }
        }

        return variances;
    }

    /// <summary>Standard errors by state: [0] event-free, [c] cause c; one value per table row.</summary>
    /// <remarks>With case weights, <paramref name="table"/> holds the weighted sums and <paramref name="squares"/> the
    /// sums of squared weights: U_i is then the derivative with respect to w_i and se² = Σ_i (w_i U_i)² (= survfit with
    /// weights, id and robust = TRUE), so each cell contributes Σw² U² in place of count · U².</remarks>
    public static double[][] StdErr(EventTable table, double[] eventFree, double[][] cif, EventTable? squares = null)
    {
        var n2 = (squares ?? table).AtRiskArray;
        var d2 = (squares ?? table).EventArrays;
        var cens2 = (squares ?? table).CensoredArray;
        int m = table.Count, k = table.CauseCount;
        var n = table.AtRiskArray;
        var d = table.EventArrays;
        var cens = table.CensoredArray;

        // Common path: influence of a subject still at risk (no event yet) through row j.
        var commonS = new double[m];
        var commonF = new double[k + 1][];
        for (int c = 1; c <= k; c++)
        {
            commonF[c] = new double[m];
        }

        var result = new double[k + 1][];
        for (int s = 0; s <= k; s++)
        {
            result[s] = new double[m];
        }

        double dS = 0, sPrev = 1;
        var dF = new double[k + 1];
        // Running sums over cells (exit row e ≤ J, cause c) of count·α², count·αβ, count·β² per state.
        var sumAA = new double[k + 1];
        var sumAB = new double[k + 1];
        var sumBB = new double[k + 1];
        for (int j = 0; j < m; j++)
        {
            double lambda = d[0][j] / n[j];
            // Common step at row j: dλ_c = −λ_c/n (the subject only enlarges the risk set).
            double dSnew = (dS * (1 - lambda)) + (sPrev * lambda / n[j]);
            for (int c = 1; c <= k; c++)
            {
                double lc = d[c][j] / n[j];
                dF[c] += (dS * lc) - (sPrev * lc / n[j]);
                commonF[c][j] = dF[c];
            }

            commonS[j] = dSnew;
            double sNow = eventFree[j];

            // Cells exiting at row j: censored (cause 0) or an event of cause c0, each with its own extra term.
            for (int c0 = 0; c0 <= k; c0++)
            {
                double count = c0 == 0 ? cens2[j] : d2[c0][j];
                if (count == 0)
                {
                    continue;
                }

                double cellS = dSnew - (c0 > 0 ? sPrev / n[j] : 0);
                // event-free: U(J) = cellS · S_J / S_j  (β on S, α = 0)
                double betaS = sNow > 0 ? cellS / sNow : 0;
                if (sNow == 0)
                {
                    // S stays 0 afterwards: U = cellS·0 for later rows, but at row j itself U = cellS.
                    result[0][j] += count * cellS * cellS;
                }

                sumBB[0] += count * betaS * betaS;
                for (int c = 1; c <= k; c++)
                {
                    double cellF = commonF[c][j] + (c == c0 ? sPrev / n[j] : 0);
                    // U(J) = cellF + cellS·(F_J − F_j)/S_j = α + β·F_J
                    double beta = sNow > 0 ? cellS / sNow : 0;
                    double alpha = cellF - (beta * cif[c][j]);
                    sumAA[c] += count * alpha * alpha;
                    sumAB[c] += count * alpha * beta;
                    sumBB[c] += count * beta * beta;
                }
            }

            double stillAtRisk = n2[j] - d2[0][j] - cens2[j];
            result[0][j] += (stillAtRisk * dSnew * dSnew) + (sNow * sNow * sumBB[0]);
            for (int c = 1; c <= k; c++)
            {
                double f = cif[c][j];
                double common = stillAtRisk * commonF[c][j] * commonF[c][j];
                double value = common + sumAA[c] + (2 * f * sumAB[c]) + (f * f * sumBB[c]);
                // The running-sum form Σ(α + βF)² = Σα² + 2FΣαβ + F²Σβ² cancels: a true 0 (every subject with the same
                // cause) comes out as ~1e-17. A value below the rounding floor of its terms is 0 to working precision.
                double magnitude = common + sumAA[c] + Math.Abs(2 * f * sumAB[c]) + (f * f * sumBB[c]);
                result[c][j] = value <= magnitude * RoundingFloor ? 0 : value;
            }

            double magnitudeS = (stillAtRisk * dSnew * dSnew) + (sNow * sNow * sumBB[0]);
            if (result[0][j] <= magnitudeS * RoundingFloor)
            {
                result[0][j] = 0;
            }

            dS = dSnew;
            sPrev = sNow;
        }

        return SquareRoots(result);
    }

    /// <summary>survfit's std.err for (entry, exit] data: each record's influence is the no-delay one minus the common
    /// path up to its entry row k propagated forward (β' = dS_k/S_k, α'_c = dF_c(k) − β' F_c(k)). Running sums over the
    /// records at risk (added after their entry row, removed at exit) and over the exited ones: O(n + rows × causes).</summary>
    public static double[][] StdErrDelayed(EventTable table, double[] entry, double[] exit, int[] columns, double[] eventFree, double[][] cif)
    {
        int m = table.Count, k = table.CauseCount, nRec = exit.Length;
        var times = table.TimeArray;
        var n = table.AtRiskArray;
        var d = table.EventArrays;
        int Row(double t) => Array.BinarySearch(times, t);
        int LastAtOrBefore(double t)
        {
            int lo = 0, hi = m;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (times[mid] <= t)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo - 1;
        }

        var exitRow = new int[nRec];
        var entryRow = new int[nRec];
        var enteringAfter = new List<int>[m + 1];   // [k + 1]: records whose entry row is k (k = −1 → index 0)
        var exitingAt = new List<int>[m];
        for (int r = 0; r < nRec; r++)
        {
            exitRow[r] = Row(exit[r]);
            entryRow[r] = LastAtOrBefore(entry[r]);
            (enteringAfter[entryRow[r] + 1] ??= []).Add(r);
            (exitingAt[exitRow[r]] ??= []).Add(r);
        }

        var betaE = new double[nRec];                 // β' of each record (0 when it enters before the first row)
        var inert = new bool[nRec];                   // entered after S reached 0: every direct effect carries S(t−) = 0
        var alphaE = new double[nRec * (k + 1)];      // α'_c, c = 1..k
        var result = new double[k + 1][];
        for (int s = 0; s <= k; s++)
        {
            result[s] = new double[m];
        }

        // at-risk aggregates: count, Σβ', Σβ'², Σα'_c, Σα'_c β', Σα'_c²
        double cnt = 0, sb = 0, sbb = 0;
        var sa = new double[k + 1];
        var sab = new double[k + 1];
        var saa = new double[k + 1];
        // exited aggregates of α̃, β̃: Σα̃², Σα̃β̃, Σβ̃²
        var xAA = new double[k + 1];
        var xAB = new double[k + 1];
        var xBB = new double[k + 1];
        void Enter(int r, double sign)
        {
            cnt += sign;
            double b = betaE[r];
            sb += sign * b;
            sbb += sign * b * b;
            for (int c = 1; c <= k; c++)
            {
                double a = alphaE[(r * (k + 1)) + c];
                sa[c] += sign * a;
                sab[c] += sign * a * b;
                saa[c] += sign * a * a;
            }
        }

        foreach (int r in enteringAfter[0] ?? [])
        {
            Enter(r, +1);
        }

        double dS = 0, sPrev = 1;
        var dF = new double[k + 1];
        for (int j = 0; j < m; j++)
        {
            double lambda = d[0][j] / n[j];
            double dSnew = (dS * (1 - lambda)) + (sPrev * lambda / n[j]);
            for (int c = 1; c <= k; c++)
            {
                double lc = d[c][j] / n[j];
                dF[c] += (dS * lc) - (sPrev * lc / n[j]);
            }

            double sNow = eventFree[j];
            foreach (int r in exitingAt[j] ?? [])
            {
                if (inert[r])
                {
                    continue;
                }

                int c0 = columns[r];
                Enter(r, -1);
                double cellS = dSnew - (c0 > 0 ? sPrev / n[j] : 0);
                double beta = sNow > 0 ? cellS / sNow : 0;
                if (sNow == 0)
                {
                    result[0][j] += cellS * cellS;
                }

                double bt = beta - betaE[r];
                xBB[0] += bt * bt;
                for (int c = 1; c <= k; c++)
                {
                    double cellF = dF[c] + (c == c0 ? sPrev / n[j] : 0);
                    double at = cellF - (beta * cif[c][j]) - alphaE[(r * (k + 1)) + c];
                    xAA[c] += at * at;
                    xAB[c] += at * bt;
                    xBB[c] += bt * bt;
                }
            }

            // still at risk after row j: U_S = dS_j − β' S_j, U_c = dF_c(j) − α'_c − β' F_c(j)
            double valS = (cnt * dSnew * dSnew) - (2 * dSnew * sNow * sb) + (sNow * sNow * sbb);
            double magS = (cnt * dSnew * dSnew) + Math.Abs(2 * dSnew * sNow * sb) + (sNow * sNow * sbb);
            result[0][j] += valS + (sNow * sNow * xBB[0]);
            double floorS = (magS + (sNow * sNow * xBB[0])) * RoundingFloor;
            if (result[0][j] <= floorS)
            {
                result[0][j] = 0;
            }

            for (int c = 1; c <= k; c++)
            {
                double f = cif[c][j], cf = dF[c];
                double atRisk = (cnt * cf * cf) - (2 * cf * (sa[c] + (f * sb))) + saa[c] + (2 * f * sab[c]) + (f * f * sbb);
                double exited = xAA[c] + (2 * f * xAB[c]) + (f * f * xBB[c]);
                double magnitude = (cnt * cf * cf) + Math.Abs(2 * cf * (sa[c] + (f * sb))) + saa[c] + Math.Abs(2 * f * sab[c]) + (f * f * sbb)
                    + xAA[c] + Math.Abs(2 * f * xAB[c]) + (f * f * xBB[c]);
                double value = atRisk + exited;
                result[c][j] = value <= magnitude * RoundingFloor ? 0 : value;
            }

            // records entering after row j: their common path up to j, propagated forward
            double bj = sNow > 0 ? dSnew / sNow : 0;
            foreach (int r in enteringAfter[j + 1] ?? [])
            {
                if (sNow == 0)
                {
                    // Once S is 0 every later increment is S(t−)·λ = 0: a record that enters now has no influence,
                    // and the others' influences are frozen (S stays 0, the incidences stay put).
                    inert[r] = true;
                    continue;
                }

                betaE[r] = bj;
                for (int c = 1; c <= k; c++)
                {
                    alphaE[(r * (k + 1)) + c] = dF[c] - (bj * cif[c][j]);
                }

                Enter(r, +1);
            }

            dS = dSnew;
            sPrev = sNow;
        }

        return SquareRoots(result);
    }
}
