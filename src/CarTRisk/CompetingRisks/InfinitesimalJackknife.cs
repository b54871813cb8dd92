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

    /// <summary>Standard errors by state: [0] event-free, [c] cause c; one value per table row.</summary>
    public static double[][] StdErr(EventTable table, double[] eventFree, double[][] cif)
    {
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
                double count = c0 == 0 ? cens[j] : d[c0][j];
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

            double stillAtRisk = n[j] - d[0][j] - cens[j];
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

        for (int s = 0; s <= k; s++)
        {
            for (int j = 0; j < m; j++)
            {
                result[s][j] = Math.Sqrt(Math.Max(0, result[s][j]));
            }
        }

        return result;
    }
}
