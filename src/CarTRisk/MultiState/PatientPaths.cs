using System.Collections.Immutable;
using System.Globalization;
using CsvHelper;

namespace CarTRisk;

/// <summary>Patients' paths as (start, stop] rows in days from infusion, ready for <see cref="MultiState.AalenJohansen"/>:
/// the states of a long-format events file, the cohort's malignancy and death as the states "malignancy" and
/// "death", and censoring at the end of follow-up.</summary>
public sealed class PatientPaths
{
    internal PatientPaths()
    {
    }

    /// <summary>The patient of each row (cohort order, rows in time order).</summary>
    public ImmutableArray<string> Ids { get; internal init; }

    /// <summary>Row starts, days from infusion.</summary>
    public ImmutableArray<double> Start { get; internal init; }

    /// <summary>Row stops, days from infusion.</summary>
    public ImmutableArray<double> Stop { get; internal init; }

    /// <summary>The state entered at the row's stop, or "censor".</summary>
    public ImmutableArray<string> ToState { get; internal init; }

    /// <summary>Cohort patients with no follow-up time (last day = infusion day): they have no (start, stop] row, so they
    /// are counted here rather than dropped unseen.</summary>
    public int PatientsWithoutFollowUp { get; internal init; }

    /// <summary>The multi-state Aalen-Johansen of the paths (everyone starts in "(s0)" at infusion).</summary>
    /// <param name="options">Options; null = defaults (censor state "censor").</param>
    /// <returns>The fit.</returns>
    public MultiStateCurve AalenJohansen(MultiStateOptions? options = null) =>
        MultiState.AalenJohansen(Start.AsSpan(), Stop.AsSpan(), ToState, Ids, (options ?? MultiStateOptions.Default) with { CensorState = "censor" });
}

/// <summary>A long-format events file beside the cohort CSV: one row per state entered (patient_id, date, state), e.g.
/// relapse, cytopenia, a later line of therapy.</summary>
public static class PathEvents
{
    private static readonly string[] Columns = ["patient_id", "date", "state"];
    private static readonly string[] Reserved = ["censor", "death", "malignancy", "(s0)"];

    /// <summary>Reads the events file (UTF-8, comma, header row patient_id, date, state in any order, dates yyyy-MM-dd)
    /// and turns each cohort patient's path into (start, stop] rows: from infusion (day 0) to each event, the cohort's
    /// malignancy ("malignancy") and death ("death"), and a censored row to the last follow-up. Every problem is listed
    /// with line, column, value and reason, as the cohort reader does: an unknown or missing column; a patient not in the
    /// cohort; a date that is not yyyy-MM-dd, on or before the infusion, or after the end of follow-up (death, else the
    /// later of the last follow-up and the malignancy); an empty state, white space or control characters, or a
    /// reserved state (censor, death, malignancy, (s0): those come from the cohort); two states of one patient on one
    /// day (including the cohort's malignancy or death day).</summary>
    /// <param name="path">The events file.</param>
    /// <param name="cohort">The cohort the patients belong to.</param>
    /// <returns>The rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    /// <exception cref="CohortFormatException">Any row breaks a rule (all listed, the first 1,000 kept).</exception>
    public static PatientPaths Read(string path, Cohort cohort)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, new System.Text.UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true);
        return Parse(reader, cohort, Path.GetFileName(path));
    }

    /// <summary>As <see cref="Read"/>, from text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="cohort">The cohort.</param>
    /// <param name="source">The name used in messages.</param>
    /// <returns>The rows.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="CohortFormatException">Any row breaks a rule.</exception>
    public static PatientPaths Parse(TextReader reader, Cohort cohort, string source = "<reader>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(cohort);
        var errors = new List<CohortRowError>();
        long total = 0;
        void Error(int line, string column, string value, string message)
        {
            total++;
            if (errors.Count < 1000)
            {
                errors.Add(new CohortRowError(line, column, CohortCsv.Clip(CohortCsv.Printable(value)), message));
            }
        }

        var byId = new Dictionary<string, CohortRecord>(StringComparer.Ordinal);
        foreach (var r in cohort.Records)
        {
            byId[r.PatientId] = r;
        }

        var events = new Dictionary<string, List<(DateOnly Date, string State, int Line)>>(StringComparer.Ordinal);
        using (var csv = CsvReader.Create(reader, CohortCsv.Strict, leaveOpen: true))
        {
            IReadOnlyList<string>? headers;
            try
            {
                headers = csv.Headers;
            }
            catch (CsvFormatException e)
            {
                throw new CohortFormatException([new CohortRowError(1, "", "", "the header row is malformed: " + CohortCsv.Clip(e.Message))], source, e);
            }

            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < (headers?.Count ?? 0); i++)
            {
                string h = headers![i];
                if (!Columns.Contains(h, StringComparer.Ordinal))
                {
                    Error(1, h, h, $"unknown column '{h}' (the events file has patient_id, date, state)");
                }
                else if (!index.TryAdd(h, i))
                {
                    Error(1, h, h, $"column '{h}' appears twice");
                }
            }

            foreach (string c in Columns.Where(c => !index.ContainsKey(c)))
            {
                Error(1, c, "", $"the required column '{c}' is missing");
            }

            if (total > 0)
            {
                throw new CohortFormatException(errors, total, source);
            }

            while (true)
            {
                int line;
                string id, dateText, state;
                try
                {
                    if (!csv.Read())
                    {
                        break;
                    }

                    line = (int)csv.LineNumber;
                    id = csv.GetString(index["patient_id"]);
                    dateText = csv.GetString(index["date"]);
                    state = csv.GetString(index["state"]);
                }
                catch (CsvFormatException e)
                {
                    Error((int)e.LineNumber, e.Member ?? "", "", CohortCsv.Clip(e.Message));
                    continue;
                }

                bool ok = true;
                foreach (var (column, value) in new[] { ("patient_id", id), ("date", dateText), ("state", state) })
                {
                    if (value.Length == 0)
                    {
                        Error(line, column, value, $"{column} is missing");
                        ok = false;
                    }
                    else if (Cohort.TextProblem(value) is { } problem)
                    {
                        Error(line, column, value, $"{column} {problem}");
                        ok = false;
                    }
                }

                if (!ok)
                {
                    continue;
                }

                if (!byId.TryGetValue(id, out var record))
                {
                    Error(line, "patient_id", id, $"patient_id '{id}' is not in the cohort");
                    continue;
                }

                if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    Error(line, "date", dateText, "date is not a date of the form yyyy-MM-dd");
                    continue;
                }

                if (Reserved.Contains(state, StringComparer.Ordinal))
                {
                    Error(line, "state", state, $"state '{state}' is reserved: censoring, death and the malignancy come from the cohort file");
                    continue;
                }

                var end = record.DeathDate ?? Max(record.LastFollowUpDate, record.MalignancyDate ?? record.LastFollowUpDate);
                if (date <= record.InfusionDate)
                {
                    Error(line, "date", dateText, $"date is on or before the infusion ({Day(record.InfusionDate)})");
                    continue;
                }

                if (date > end)
                {
                    Error(line, "date", dateText, $"date is after the end of follow-up ({Day(end)})");
                    continue;
                }

                (events.TryGetValue(id, out var list) ? list : events[id] = []).Add((date, state, line));
            }
        }

        int withoutFollowUp = 0;
        var ids = new List<string>();
        var start = new List<double>();
        var stop = new List<double>();
        var to = new List<string>();
        foreach (var r in cohort.Records)
        {
            var points = events.TryGetValue(r.PatientId, out var list) ? list.ToList() : [];
            if (r.MalignancyDate is { } m)
            {
                points.Add((m, "malignancy", 0));
            }

            if (r.DeathDate is { } d)
            {
                points.Add((d, "death", 0));
            }

            points.Sort((x, y) => x.Date.CompareTo(y.Date));
            bool clash = false;
            for (int k = 1; k < points.Count; k++)
            {
                if (points[k].Date == points[k - 1].Date)
                {
                    var which = points[k].Line > 0 ? points[k] : points[k - 1];
                    Error(which.Line, "date", Day(which.Date), $"patient {r.PatientId} has two states on {Day(which.Date)} ({points[k - 1].State}, {points[k].State}); a path enters one state a day");
                    clash = true;
                }
            }

            if (clash)
            {
                continue;
            }

            double left = 0;
            foreach (var (date, state, _) in points)
            {
                double day = date.DayNumber - r.InfusionDate.DayNumber;
                if (day <= left)
                {
                    continue;   // cannot happen after the checks (a malignancy on the infusion day is a cohort error)
                }

                ids.Add(r.PatientId);
                start.Add(left);
                stop.Add(day);
                to.Add(state);
                left = day;
            }

            if (points.Count == 0 && Max(r.LastFollowUpDate, r.MalignancyDate ?? r.LastFollowUpDate) <= r.InfusionDate && r.DeathDate is null)
            {
                withoutFollowUp++;
                continue;
            }

            bool dead = r.DeathDate is not null;
            double last = Max(r.LastFollowUpDate, r.MalignancyDate ?? r.LastFollowUpDate).DayNumber - r.InfusionDate.DayNumber;
            if (!dead && last > left)
            {
                ids.Add(r.PatientId);
                start.Add(left);
                stop.Add(last);
                to.Add("censor");
            }
        }

        if (total > 0)
        {
            errors.Sort((x, y) => x.Line.CompareTo(y.Line));
            throw new CohortFormatException(errors, total, source);
        }

        return new PatientPaths { Ids = [.. ids], Start = [.. start], Stop = [.. stop], ToState = [.. to], PatientsWithoutFollowUp = withoutFollowUp };
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
