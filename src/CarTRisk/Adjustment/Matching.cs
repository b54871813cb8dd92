using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>Options of <see cref="Matching.Nearest"/>.</summary>
public sealed record MatchingOptions
{
    /// <summary>1:1, no caliper, without replacement.</summary>
    public static MatchingOptions Default { get; } = new();

    /// <summary>Controls per treated unit (k:1 matching); 1.</summary>
    public int Ratio { get; init; } = 1;

    /// <summary>The caliper in standard deviations of the distance (std.caliper = TRUE: the width is Caliper × sd(distance)
    /// over all units, n − 1); null = none.</summary>
    public double? Caliper { get; init; }

    /// <summary>Whether a control may be matched to several treated units; false.</summary>
    public bool Replace { get; init; }
}

/// <summary>The result of a matching.</summary>
public sealed class MatchResult
{
    internal MatchResult()
    {
    }

    /// <summary>The matched set of each unit, 1.. (= matchit's <c>subclass</c>, numbered as MatchIt does), −1 when
    /// unmatched; with replacement every unit is −1 (a control may be in several sets; MatchIt gives no subclass):
    /// use <see cref="MatchMatrix"/>.</summary>
    public ImmutableArray<int> Subclass { get; internal init; }

    /// <summary>The matching weights (= matchit's <c>weights</c>): 1 for a matched treated unit; for a control the sum over
    /// its sets of 1/(controls in the set), rescaled so that the control weights add up to the number of matched
    /// controls; 0 for an unmatched unit.</summary>
    public ImmutableArray<double> Weights { get; internal init; }

    /// <summary>Treated units with at least one match.</summary>
    public int MatchedTreated { get; internal init; }

    /// <summary>Controls with a positive weight.</summary>
    public int MatchedControl { get; internal init; }

    /// <summary>Per treated unit (in input order), the 0-based indices of its controls in the order they were matched
    /// (= <c>match.matrix</c>, 0-based, without the NA cells).</summary>
    public ImmutableArray<ImmutableArray<int>> MatchMatrix { get; internal init; }

    /// <summary>The 0-based input index of each row of <see cref="MatchMatrix"/>.</summary>
    public ImmutableArray<int> TreatedIndex { get; internal init; }

    /// <summary>The caliper width on the distance scale (NaN without a caliper).</summary>
    public double CaliperWidth { get; internal init; }

    /// <inheritdoc/>
    public override string ToString()
    {
        var table = new ResultTable("Nearest-neighbour matching", "Group", "Matched", "Unmatched");
        int treated = TreatedIndex.Length;
        int controls = Weights.Length - treated;
        var mt = new CountCell(MatchedTreated);
        var ut = new CountCell(treated - MatchedTreated);
        var mc = new CountCell(MatchedControl);
        var uc = new CountCell(controls - MatchedControl);
        table.AddRow(new TextCell("Treated"), mt, ut);
        table.AddRow(new TextCell("Control"), mc, uc);
        table.AddMargin(new CountCell(treated, hidden: true), mt, ut).AddMargin(new CountCell(controls, hidden: true), mc, uc);
        return table.ToText(DisclosurePolicy.Default);
    }
}

/// <summary>Nearest-neighbour matching on a distance (a propensity score).</summary>
public static class Matching
{
    /// <summary>Greedy nearest-neighbour matching (= <c>MatchIt::matchit(method = "nearest", distance = d, ratio,
    /// caliper, std.caliper = TRUE, replace, m.order = "largest")</c>, MatchIt 4.5.1): units are sorted by distance
    /// (stable); treated units are taken in decreasing order of distance (ties in input order; in input order with
    /// replacement, as MatchIt's m.order = "data"), in <c>Ratio</c> rounds, each taking the nearest available control
    /// to its left or right in the sorted order (the left one on equal distances), skipping controls it already has;
    /// a nearest control outside the caliper leaves the treated unit without a match in that round. Without
    /// replacement a matched control is no longer available. Runs in O(n log n) (available controls are found through
    /// path-compressed links, where MatchIt scans).</summary>
    /// <param name="distance">The distance per unit (finite), e.g. the propensity score.</param>
    /// <param name="treated">Per unit, whether treated.</param>
    /// <param name="options">Ratio, caliper, replacement; null = <see cref="MatchingOptions.Default"/>.</param>
    /// <returns>The matched sets and weights.</returns>
    /// <exception cref="ArgumentException">Lengths differ; a distance not finite (index named); no treated or no control
    /// unit; Ratio &lt; 1 or above the number of controls; a caliper that is negative or not finite.</exception>
    public static MatchResult Nearest(ReadOnlySpan<double> distance, ReadOnlySpan<bool> treated, MatchingOptions? options = null)
    {
        options ??= MatchingOptions.Default;
        int n = distance.Length;
        if (treated.Length != n)
        {
            throw new ArgumentException($"treated has {treated.Length} values; distance has {n}.", nameof(treated));
        }

        if (options.Ratio < 1)
        {
            throw new ArgumentException($"Ratio is {options.Ratio}; it must be at least 1.", nameof(options));
        }

        if (options.Caliper is { } cal && (!double.IsFinite(cal) || cal < 0))
        {
            throw new ArgumentException($"Caliper is {Guard.Show(cal)}; it must be finite and >= 0.", nameof(options));
        }

        var treatedIndex = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(distance[i]))
            {
                throw new ArgumentException($"distance[{i}] is {Guard.Show(distance[i])}.", nameof(distance));
            }

            if (treated[i])
            {
                treatedIndex.Add(i);
            }
        }

        int n1 = treatedIndex.Count;
        int n0 = n - n1;
        if (n1 == 0 || n0 == 0)
        {
            throw new ArgumentException($"matching needs treated and control units (treated {n1}, control {n0}).", nameof(treated));
        }

        if (options.Ratio > n0)
        {
            throw new ArgumentException($"Ratio is {options.Ratio} but there are only {n0} control units.", nameof(options));
        }

        var d = distance.ToArray();

        // the caliper on the distance scale: Caliper x sd(distance) (n - 1)
        double width = double.NaN;
        if (options.Caliper is { } c)
        {
            double mean = d.Average();
            double ss = d.Sum(v => (v - mean) * (v - mean));
            width = c * Math.Sqrt(ss / (n - 1));
        }

        // sorted positions (stable, as sort.list) and the processing order of the treated units
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => d[a] != d[b] ? d[a].CompareTo(d[b]) : a.CompareTo(b));
        var position = new int[n];
        for (int k = 0; k < n; k++)
        {
            position[order[k]] = k;
        }

        int[] treatOrder;
        if (options.Replace)
        {
            treatOrder = [.. Enumerable.Range(0, n1)];
        }
        else
        {
            treatOrder = [.. Enumerable.Range(0, n1)];
            Array.Sort(treatOrder, (a, b) =>
            {
                double da = d[treatedIndex[a]];
                double db = d[treatedIndex[b]];
                return da != db ? db.CompareTo(da) : a.CompareTo(b);
            });
        }

        // links to the nearest available control at or beyond a sorted position (path-compressed)
        var isControl = new bool[n];
        for (int k = 0; k < n; k++)
        {
            isControl[k] = !treated[order[k]];
        }

        var right = new int[n + 1];
        for (int k = 0; k <= n; k++)
        {
            right[k] = k < n && !isControl[k] ? k + 1 : k;
        }

        // left links are stored shifted by one: slot s holds position s - 1
        var leftSlot = new int[n + 1];
        leftSlot[0] = 0;
        for (int k = 0; k < n; k++)
        {
            leftSlot[k + 1] = isControl[k] ? k + 1 : k;
        }

        int FindRight(int k)
        {
            int root = k;
            while (right[root] != root)
            {
                root = right[root];
            }

            while (right[k] != root)
            {
                int next = right[k];
                right[k] = root;
                k = next;
            }

            return root;
        }

        int FindLeftSlot(int s)
        {
            int root = s;
            while (leftSlot[root] != root)
            {
                root = leftSlot[root];
            }

            while (leftSlot[s] != root)
            {
                int next = leftSlot[s];
                leftSlot[s] = root;
                s = next;
            }

            return root;
        }

        void Remove(int k)
        {
            right[k] = k + 1;
            leftSlot[k + 1] = k;
        }

        var mm = new List<int>[n1];
        for (int t = 0; t < n1; t++)
        {
            mm[t] = [];
        }

        int available = n0;
        bool useCaliper = options.Caliper.HasValue;
        for (int r = 0; r < options.Ratio && available > 0; r++)
        {
            foreach (int t in treatOrder)
            {
                int ii = position[treatedIndex[t]];
                double dti = d[order[ii]];
                var row = mm[t];

                // nearest available control to the left. MatchIt 4.5.1 means to skip the controls already in this set,
                // but compares a 0-based index with the 1-based ones it stores: it skips the control whose 0-based index
                // is one more than a matched control's (and may match a control twice with replacement). Kept, to give
                // MatchIt's sets.
                int kl = -1;
                int s = FindLeftSlot(ii); // slot ii = position ii - 1
                while (s > 0)
                {
                    int k = s - 1;
                    if (r > 0 && row.Contains(order[k] - 1))
                    {
                        s = FindLeftSlot(k);
                        continue;
                    }

                    if (!useCaliper || IntAbs(dti - d[order[k]]) <= width)
                    {
                        kl = k;
                    }

                    break;
                }

                int kr = -1;
                int q = FindRight(ii + 1);
                while (q < n)
                {
                    if (r > 0 && row.Contains(order[q] - 1))
                    {
                        q = FindRight(q + 1);
                        continue;
                    }

                    if (!useCaliper || IntAbs(dti - d[order[q]]) <= width)
                    {
                        kr = q;
                    }

                    break;
                }

                int chosen;
                if (kl >= 0 && kr >= 0)
                {
                    chosen = IntAbs(d[order[kl]] - dti) <= IntAbs(d[order[kr]] - dti) ? kl : kr;
                }
                else if (kl >= 0)
                {
                    chosen = kl;
                }
                else if (kr >= 0)
                {
                    chosen = kr;
                }
                else
                {
                    continue;
                }

                row.Add(order[chosen]);
                if (!options.Replace)
                {
                    Remove(chosen);
                    if (--available == 0)
                    {
                        break;
                    }
                }
            }
        }

        // weights (= weights_matrixC) and subclasses (= mm2subclass: the treated units' 1-based row numbers as factor
        // levels, sorted as strings, renumbered 1..)
        var weights = new double[n];
        int matchedTreated = 0;
        for (int t = 0; t < n1; t++)
        {
            if (mm[t].Count == 0)
            {
                continue;
            }

            matchedTreated++;
            double add = 1.0 / mm[t].Count;
            foreach (int k in mm[t])
            {
                weights[k] += add;
            }

            weights[treatedIndex[t]] = 1;
        }

        double sumC = 0;
        int matchedC = 0;
        for (int i = 0; i < n; i++)
        {
            if (!treated[i] && weights[i] > 0)
            {
                sumC += weights[i];
                matchedC++;
            }
        }

        if (sumC > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (!treated[i])
                {
                    weights[i] = weights[i] * matchedC / sumC;
                }
            }
        }

        var subclass = new int[n];
        Array.Fill(subclass, -1);
        if (!options.Replace)
        {
            var labels = Enumerable.Range(0, n1).Where(t => mm[t].Count > 0)
                .Select(t => (t, Label: (treatedIndex[t] + 1).ToString(CultureInfo.InvariantCulture)))
                .OrderBy(x => x.Label, StringComparer.Ordinal).ToArray();
            for (int l = 0; l < labels.Length; l++)
            {
                int t = labels[l].t;
                subclass[treatedIndex[t]] = l + 1;
                foreach (int k in mm[t])
                {
                    subclass[k] = l + 1;
                }
            }
        }

        return new MatchResult
        {
            Subclass = [.. subclass],
            Weights = [.. weights],
            MatchedTreated = matchedTreated,
            MatchedControl = matchedC,
            MatchMatrix = [.. mm.Select(m => m.ToImmutableArray())],
            TreatedIndex = [.. treatedIndex],
            CaliperWidth = width,
        };
    }

    /// <summary>|x| as MatchIt 4.5.1's compiled code computes it: the C library's integer <c>abs</c>, so the difference is
    /// truncated toward zero first (|0.3| = 0).</summary>
    private static double IntAbs(double x) => Math.Abs(Math.Truncate(Math.Clamp(x, int.MinValue + 1.0, int.MaxValue)));
}
