using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>Options of <see cref="FaersExtract.Read"/>.</summary>
public sealed record FaersOptions
{
    /// <summary>Suspect roles only (PS, SS), no mapping, no strata.</summary>
    public static FaersOptions Default { get; } = new();

    /// <summary>Drug names (DRUG drugname or prod_ai, upper-cased and trimmed) to a canonical drug, e.g.
    /// "YESCARTA" and "AXICABTAGENE CILOLEUCEL" to "axi-cel". Unmapped names stay as they are (upper-cased), so the rest
    /// of the database forms the comparator, unless <see cref="OnlyMapped"/>.</summary>
    public IReadOnlyDictionary<string, string> DrugMapping { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether drugs without a mapping are left out (their reports still count as reports).</summary>
    public bool OnlyMapped { get; init; }

    /// <summary>The DRUG role codes kept: PS (primary suspect), SS (secondary suspect) by default; add C (concomitant)
    /// or I (interacting) to widen.</summary>
    public IReadOnlySet<string> Roles { get; init; } = new HashSet<string>(["PS", "SS"], StringComparer.Ordinal);

    /// <summary>Whether each report gets a stratum "age group|sex|year" (age &lt;18, 18-64, 65+ or unknown from age and
    /// age_cod; sex F, M or unknown; the year of fda_dt) for stratified expected counts.</summary>
    public bool Stratify { get; init; }
}

/// <summary>Report-level rows from a FAERS extract, after de-duplication.</summary>
/// <param name="ReportIds">The report (FAERS primaryid) of each row.</param>
/// <param name="Drugs">The (mapped) drug of each row.</param>
/// <param name="Events">The event (MedDRA preferred term) of each row.</param>
/// <param name="Strata">The stratum of each row, or empty without <see cref="FaersOptions.Stratify"/>.</param>
public sealed record FaersReports(ImmutableArray<string> ReportIds, ImmutableArray<string> Drugs, ImmutableArray<string> Events, ImmutableArray<string> Strata)
{
    /// <summary>Cases (caseid) kept: one report each, the latest version.</summary>
    public int Cases { get; init; }

    /// <summary>Earlier versions of the same cases that were dropped.</summary>
    public int SupersededVersions { get; init; }

    /// <summary>Observed and expected counts per pair (= openEBGM processRaw on these rows).</summary>
    /// <returns>The counts.</returns>
    public PairCounts ToPairCounts() => Disproportionality.CountPairs(ReportIds, Drugs, Events, Strata.IsEmpty ? null : Strata);
}

/// <summary>Reads the FAERS quarterly ASCII extract (DEMO, DRUG and REAC tables, <c>$</c>-separated, header row).</summary>
public static class FaersExtract
{
    /// <summary>Reads the three tables, keeps the latest version of each case (highest caseversion, then latest fda_dt,
    /// then highest primaryid), the drugs of the chosen roles (mapped by <see cref="FaersOptions.DrugMapping"/>) and
    /// the reactions, and returns one row per report × drug × event.</summary>
    /// <param name="demoPath">DEMOyyQq.txt (primaryid, caseid, caseversion, fda_dt; age, age_cod, sex for strata).</param>
    /// <param name="drugPath">DRUGyyQq.txt (primaryid, role_cod, drugname, prod_ai).</param>
    /// <param name="reacPath">REACyyQq.txt (primaryid, pt).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The report-level rows.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="FormatException">A header lacks a column, or a line has the wrong number of fields or a bad
    /// number (file, line and column named; at most 1,000 problems listed).</exception>
    public static FaersReports Read(string demoPath, string drugPath, string reacPath, FaersOptions? options = null)
    {
        options ??= FaersOptions.Default;
        var problems = new List<string>();
        var demo = Table(demoPath, ["primaryid", "caseid", "caseversion", "fda_dt"], problems);
        var drug = Table(drugPath, ["primaryid", "role_cod", "drugname"], problems);
        var reac = Table(reacPath, ["primaryid", "pt"], problems);
        if (problems.Count > 0)
        {
            throw new FormatException(string.Join("\n", problems.Take(1000)) + (problems.Count > 1000 ? $"\n... and {problems.Count - 1000} more" : ""));
        }

        // latest version per case
        var latest = new Dictionary<string, (string Primary, long Version, string FdaDt, Dictionary<string, string> Row)>(StringComparer.Ordinal);
        int rows = 0;
        foreach (var (line, row) in demo.Rows)
        {
            rows++;
            if (!long.TryParse(row["caseversion"], NumberStyles.Integer, CultureInfo.InvariantCulture, out long version))
            {
                problems.Add($"{Path.GetFileName(demoPath)}, line {line}, column caseversion: '{CohortCsv.Clip(row["caseversion"])}' is not a whole number.");
                continue;
            }

            string caseId = row["caseid"], primary = row["primaryid"], fda = row["fda_dt"];
            if (!latest.TryGetValue(caseId, out var current) || version > current.Version
                || (version == current.Version && (string.CompareOrdinal(fda, current.FdaDt) > 0 || (fda == current.FdaDt && string.CompareOrdinal(primary, current.Primary) > 0))))
            {
                latest[caseId] = (primary, version, fda, row);
            }
        }

        if (problems.Count > 0)
        {
            throw new FormatException(string.Join("\n", problems.Take(1000)));
        }

        var kept = latest.Values.ToDictionary(v => v.Primary, v => v.Row, StringComparer.Ordinal);
        var drugsByReport = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (_, row) in drug.Rows)
        {
            if (!kept.ContainsKey(row["primaryid"]) || !options.Roles.Contains(row["role_cod"].Trim()))
            {
                continue;
            }

            string name = row["drugname"].Trim().ToUpperInvariant();
            string? ai = row.TryGetValue("prod_ai", out var p) ? p.Trim().ToUpperInvariant() : null;
            string? mapped = options.DrugMapping.TryGetValue(name, out var m) ? m : ai is not null && options.DrugMapping.TryGetValue(ai, out var m2) ? m2 : null;
            if (mapped is null && (options.OnlyMapped || name.Length == 0))
            {
                continue;
            }

            (drugsByReport.TryGetValue(row["primaryid"], out var set) ? set : drugsByReport[row["primaryid"]] = new HashSet<string>(StringComparer.Ordinal)).Add(mapped ?? name);
        }

        var ids = ImmutableArray.CreateBuilder<string>();
        var drugs = ImmutableArray.CreateBuilder<string>();
        var events = ImmutableArray.CreateBuilder<string>();
        var strata = ImmutableArray.CreateBuilder<string>();
        var eventsByReport = reac.Rows.Where(r => kept.ContainsKey(r.Row["primaryid"]) && r.Row["pt"].Trim().Length > 0)
            .GroupBy(r => r.Row["primaryid"], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Row["pt"].Trim()).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        foreach (var (primary, demoRow) in kept.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!drugsByReport.TryGetValue(primary, out var ds) || !eventsByReport.TryGetValue(primary, out var es))
            {
                continue;
            }

            string stratum = options.Stratify ? Stratum(demoRow) : "";
            foreach (var d in ds.Order(StringComparer.Ordinal))
            {
                foreach (var ev in es)
                {
                    ids.Add(primary);
                    drugs.Add(d);
                    events.Add(ev);
                    if (options.Stratify)
                    {
                        strata.Add(stratum);
                    }
                }
            }
        }

        return new FaersReports(ids.ToImmutable(), drugs.ToImmutable(), events.ToImmutable(), strata.ToImmutable())
        {
            Cases = latest.Count,
            SupersededVersions = rows - latest.Count,
        };
    }

    private static string Stratum(Dictionary<string, string> demo)
    {
        double years = double.NaN;
        if (demo.TryGetValue("age", out var ageText) && double.TryParse(ageText, NumberStyles.Float, CultureInfo.InvariantCulture, out var age))
        {
            string unit = demo.TryGetValue("age_cod", out var u) ? u.Trim().ToUpperInvariant() : "YR";
            years = unit switch { "YR" => age, "DEC" => age * 10, "MON" => age / 12, "WK" => age / 52.1775, "DY" => age / 365.25, "HR" => age / 8766, _ => double.NaN };
        }

        string ageGroup = double.IsNaN(years) ? "age unknown" : years < 18 ? "<18" : years < 65 ? "18-64" : "65+";
        string sex = demo.TryGetValue("sex", out var s) && (s.Trim() == "F" || s.Trim() == "M") ? s.Trim() : "sex unknown";
        string year = demo.TryGetValue("fda_dt", out var f) && f.Length >= 4 ? f[..4] : "year unknown";
        return $"{ageGroup}|{sex}|{year}";
    }

    private sealed record ParsedTable(List<(int Line, Dictionary<string, string> Row)> Rows);

    private static ParsedTable Table(string path, string[] required, List<string> problems)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"FAERS file '{path}' does not exist.", path);
        }

        string name = Path.GetFileName(path);
        var rows = new List<(int, Dictionary<string, string>)>();
        using var reader = new StreamReader(path);
        string? headerLine = reader.ReadLine();
        if (headerLine is null)
        {
            problems.Add($"{name}, line 1: the file is empty.");
            return new ParsedTable(rows);
        }

        var header = headerLine.TrimStart('\uFEFF').Split('$').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        foreach (var col in required.Where(r => !header.Contains(r)))
        {
            problems.Add($"{name}, line 1: the header lacks the column '{col}'.");
        }

        if (problems.Count > 0)
        {
            return new ParsedTable(rows);
        }

        int line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split('$');
            // FAERS lines end with a trailing '$' in some quarters: one empty extra field is tolerated, nothing else.
            if (fields.Length == header.Length + 1 && fields[^1].Length == 0)
            {
                fields = fields[..^1];
            }

            if (fields.Length != header.Length)
            {
                if (problems.Count < 1001)
                {
                    problems.Add($"{name}, line {line}: {fields.Length} fields, the header has {header.Length}.");
                }

                continue;
            }

            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (int i = 0; i < header.Length; i++)
            {
                row[header[i]] = fields[i];
            }

            rows.Add((line, row));
        }

        return new ParsedTable(rows);
    }
}
