using System.Globalization;
using Google.OrTools.LinearSolver;

namespace CarTRisk;

/// <summary>One count an attacker can pin to a narrow interval.</summary>
/// <param name="Table">The title of the table the count is shown (or withheld, or implied) in.</param>
/// <param name="Cell">Where: "row label / column", or the margin it is a hidden part of.</param>
/// <param name="Lower">The smallest value the released numbers allow (linear programming over the relations).</param>
/// <param name="Upper">The largest.</param>
/// <param name="Relations">The relations that pin it (the margins it takes part in).</param>
public sealed record AuditFinding(string Table, string Cell, double Lower, double Upper, IReadOnlyList<string> Relations);

/// <summary>The result of a linear audit.</summary>
/// <param name="Passed">No count of 1..threshold − 1 can be pinned to an interval of width ≤ 2.</param>
/// <param name="Findings">The counts that can (capped at 1,000).</param>
public sealed record AuditResult(bool Passed, IReadOnlyList<AuditFinding> Findings);

/// <summary>
/// The linear audit of released tables (as statistical agencies audit published tables with tau-Argus or sdcTable):
/// every number a rendering shows becomes a linear relation on the underlying counts, and linear programming (Google
/// OR-Tools' GLOP) finds, for every count of 1..threshold − 1, the smallest interval an attacker can pin it to.
/// </summary>
/// <remarks>
/// <para>The model: one variable per count cell (shown, withheld, hidden, or only a part of a margin). A shown count is
/// fixed; a withheld count is at least 1 (<see cref="DisclosurePolicy.Marker"/> is the one marker of every withheld
/// value, so a reader learns nothing more); a hidden count is at least 0; the counts behind a shown derived value
/// (percentage, rate, risk, interval) are fixed, as a reader may recompute them; every margin (a total and its parts)
/// is an equality. A finding is a count of 1..threshold − 1 whose feasible interval has width ≤ 2.</para>
/// <para><see cref="DisclosurePolicy.Audit"/> (default true) runs the audit inside the one disclosure resolver on
/// every rendering and withholds more (the smallest shown part of the margin that pins a finding) until it passes.</para>
/// <para>Besides single counts it checks groups: the parts of a margin a reader does not know, together. What it does
/// not model: rates × person-time, figure steps inside a drawn curve, linear combinations across margins other than
/// those, and differences between releases other than those made through one <see cref="DisclosureLedger"/>.</para>
/// </remarks>
public static class DisclosureAudit
{
    /// <summary>Audits the tables as they render under <paramref name="policy"/> (resolved together, as one report).</summary>
    /// <param name="released">The tables released together.</param>
    /// <param name="policy">The policy they render under.</param>
    /// <returns>The findings; <see cref="AuditResult.Passed"/> when there are none.</returns>
    /// <exception cref="ArgumentNullException">A null argument or table.</exception>
    public static AuditResult Check(IEnumerable<ResultTable> released, DisclosurePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(released);
        ArgumentNullException.ThrowIfNull(policy);
        var tables = released.Select((t, i) => t ?? throw new ArgumentNullException(nameof(released), $"released[{i}] is null.")).ToList();
        var suppressed = Disclosure.Resolve(tables, policy);
        var findings = Findings(tables, policy, suppressed);
        return new AuditResult(findings.Count == 0, findings);
    }

    /// <summary>The count cells that can be pinned under a suppression set (for the resolver).</summary>
    internal static List<CountCell> FindingCells(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy, HashSet<CountCell> suppressed)
    {
        var cells = new List<CountCell>();
        Findings(tables, policy, suppressed, cells);
        return cells;
    }

    /// <summary>The findings of the tables under a resolved suppression set.</summary>
    internal static List<AuditFinding> Findings(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy, HashSet<CountCell> suppressed,
        List<CountCell>? pinned = null)
    {
        var findings = new List<AuditFinding>();
        if (policy.Threshold <= 1)
        {
            return findings;
        }

        var margins = tables.SelectMany(t => t.Margins.Select(m => (Table: t, Cells: m))).ToList();
        var inMargin = new HashSet<CountCell>(margins.SelectMany(m => m.Cells));
        var targets = inMargin.Where(c => c.Count >= 1 && c.Count < policy.Threshold).ToList();
        if (targets.Count == 0)
        {
            return findings;
        }

        // where each count is shown, and which counts a shown derived value fixes
        var position = new Dictionary<CountCell, (string Table, string Cell)>();
        var fixedByDerived = new HashSet<CountCell>();
        var shownCells = new HashSet<CountCell>();
        foreach (var t in tables)
        {
            foreach (var row in t.Rows)
            {
                string label = row.Count > 0 ? row[0].RawText : "";
                for (int j = 0; j < row.Count; j++)
                {
                    if (row[j] is CountCell c)
                    {
                        position.TryAdd(c, (t.Title, $"{label} / {t.Columns[j]}"));
                        if (!c.Hidden)
                        {
                            shownCells.Add(c);
                        }
                    }
                    else if (row[j] is DerivedCell d && !d.Basis.Any(b => suppressed.Contains(b) || policy.Suppresses(b.Count)))
                    {
                        foreach (var b in d.Reveals ?? d.Basis)
                        {
                            fixedByDerived.Add(b);
                        }
                    }
                }
            }
        }

        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("the GLOP linear solver is not available.");
        var vars = new Dictionary<CountCell, Variable>();
        Variable Var(CountCell c)
        {
            if (vars.TryGetValue(c, out var v))
            {
                return v;
            }

            bool shown = shownCells.Contains(c) && !suppressed.Contains(c);
            double lo = shown || fixedByDerived.Contains(c) ? c.Count : shownCells.Contains(c) ? 1 : 0;
            double hi = shown || fixedByDerived.Contains(c) ? c.Count : double.PositiveInfinity;
            v = solver.MakeNumVar(lo, hi, "x" + vars.Count.ToString(CultureInfo.InvariantCulture));
            vars[c] = v;
            return v;
        }

        foreach (var (_, cells) in margins)
        {
            var constraint = solver.MakeConstraint(0, 0);
            constraint.SetCoefficient(Var(cells[0]), -1);
            foreach (var part in cells.Skip(1))
            {
                constraint.SetCoefficient(Var(part), constraint.GetCoefficient(Var(part)) + 1);
            }
        }

        // the smallest and largest value of the sum of some counts that the relations allow
        var objective = solver.Objective();
        (double Lo, double Hi) Bounds(IEnumerable<CountCell> sum)
        {
            objective.Clear();
            foreach (var c in sum)
            {
                objective.SetCoefficient(vars[c], 1);
            }

            objective.SetMinimization();
            double lo = solver.Solve() == Solver.ResultStatus.OPTIMAL ? objective.Value() : double.NegativeInfinity;
            objective.SetMaximization();
            double hi = solver.Solve() == Solver.ResultStatus.OPTIMAL ? objective.Value() : double.PositiveInfinity;
            return (lo, hi);
        }

        string Relation(ResultTable table, CountCell[] cells) =>
            $"{table.Title}: {Describe(cells[0], position)} = " + string.Join(" + ", cells.Skip(1).Select(p => Describe(p, position)));

        foreach (var target in targets)
        {
            var (lo, hi) = Bounds([target]);
            if (hi - lo <= 2 + 1e-9)
            {
                var relations = margins.Where(m => m.Cells.Contains(target)).Select(m => Relation(m.Table, m.Cells)).ToList();
                var (table, cell) = position.TryGetValue(target, out var pos) ? pos
                    : (margins.First(m => m.Cells.Contains(target)).Table.Title, "a hidden part of " + Describe(margins.First(m => m.Cells.Contains(target)).Cells[0], position));
                findings.Add(new AuditFinding(table, cell, Math.Round(lo, 9), Math.Round(hi, 9), relations));
                pinned?.Add(target);
                if (findings.Count >= 1000)
                {
                    break;
                }
            }
        }

        // groups: the parts of a margin a reader does not know, together (total minus the known parts): a group of
        // 1..threshold − 1 (e.g. two small products, or those who left before either of two landmarks) is a finding too
        foreach (var (t, cells) in margins)
        {
            if (findings.Count >= 1000)
            {
                break;
            }

            var unknown = cells.Skip(1).Where(c => c.Count > 0 && !(vars[c].Lb() == vars[c].Ub())).Distinct().ToList();
            double sum = unknown.Sum(c => c.Count);
            if (unknown.Count < 2 || !(sum >= 1 && sum < policy.Threshold))
            {
                continue;
            }

            var (lo, hi) = Bounds(unknown);
            if (hi - lo <= 2 + 1e-9)
            {
                findings.Add(new AuditFinding(t.Title, "together: " + string.Join(" + ", unknown.Select(c => Describe(c, position))), Math.Round(lo, 9), Math.Round(hi, 9),
                    [Relation(t, cells)]));
                pinned?.Add(unknown.OrderBy(c => c.Count).First());
            }
        }

        return findings;
    }

    private static string Describe(CountCell c, Dictionary<CountCell, (string Table, string Cell)> position) =>
        position.TryGetValue(c, out var p) ? $"[{p.Cell}]" : "[hidden]";
}
