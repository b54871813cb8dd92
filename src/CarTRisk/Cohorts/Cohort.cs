using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace CarTRisk;

/// <summary>
/// A cohort of CAR T recipients with the analysis data derived from it: durations in days from infusion to the
/// end of follow-up, causes (0 censored, 1 malignancy, 2 death without malignancy), and person-time.
/// </summary>
public sealed class Cohort
{
    /// <summary>Days per year used for person-years (Julian year), as API.md's SafetyReport defines.</summary>
    public const double DaysPerYear = 365.25;

    /// <summary>Creates a cohort from records, checking the rules of API.md that do not depend on the CSV form.</summary>
    /// <param name="records">The patients; copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="records"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An id is empty or repeated, a date is before infusion, or a malignancy
    /// is after death; the message names the index and the patient.</exception>
    public Cohort(IEnumerable<CohortRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToArray();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var durations = new double[list.Length];
        var causes = new int[list.Length];
        double personDays = 0;
        for (int i = 0; i < list.Length; i++)
        {
            var r = list[i] ?? throw new ArgumentNullException(nameof(records), $"records[{i}] is null.");
            string? problem = Problems(r).Select(p => $"{p.Message} ({p.Column} = '{p.Value}')").FirstOrDefault();
            if (problem is null && !seen.TryAdd(r.PatientId, i))
            {
                problem = $"patient_id '{r.PatientId}' repeats records[{seen[r.PatientId]}]";
            }

            if (problem is not null)
            {
                throw new ArgumentException($"records[{i}] (patient '{r.PatientId}'): {problem}.", nameof(records));
            }

            durations[i] = r.DurationDays;
            causes[i] = (int)r.Outcome;
            personDays += durations[i];
        }

        Records = Array.AsReadOnly(list);
        Durations = ImmutableCollectionsMarshal.AsImmutableArray(durations);
        Causes = ImmutableCollectionsMarshal.AsImmutableArray(causes);
        PersonDays = personDays;
    }

    /// <summary>The patients, in input order.</summary>
    public IReadOnlyList<CohortRecord> Records { get; }

    /// <summary>The number of patients.</summary>
    public int Count => Records.Count;

    /// <summary>Days from infusion to the end of follow-up (<see cref="CohortRecord.DurationDays"/>), one per record.</summary>
    public ImmutableArray<double> Durations { get; }

    /// <summary>0 = censored, 1 = secondary malignancy, 2 = death without malignancy; one per record.</summary>
    public ImmutableArray<int> Causes { get; }

    /// <summary>The number of patients with a secondary malignancy (cause 1).</summary>
    public int Cases => Causes.Count(c => c == 1);

    /// <summary>Total follow-up in days (sum of <see cref="Durations"/>).</summary>
    public double PersonDays { get; }

    /// <summary>Total follow-up in years: <see cref="PersonDays"/> / 365.25.</summary>
    public double PersonYears => PersonDays / DaysPerYear;

    /// <summary>Splits the cohort by a key, such as the product or the target antigen.</summary>
    /// <param name="key">The group of a record; <see langword="null"/> becomes "(missing)".</param>
    /// <returns>The sub-cohorts, in ordinal order of their keys.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public IReadOnlyList<KeyValuePair<string, Cohort>> GroupBy(Func<CohortRecord, string?> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Records.GroupBy(r => key(r) ?? "(missing)", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, Cohort>(g.Key, new Cohort(g)))
            .ToArray();
    }

    /// <summary>The cohort split by <see cref="CohortRecord.Product"/>.</summary>
    /// <returns>The sub-cohorts in ordinal order of product name; records without a product are "(missing)".</returns>
    public IReadOnlyList<KeyValuePair<string, Cohort>> ByProduct() => GroupBy(r => r.Product);

    /// <summary>
    /// Cause-specific codes for a split of malignancies by type (e.g. T-cell vs myeloid vs solid), for
    /// <c>CumulativeIncidence.Estimate</c>:
    /// malignancy class i (0-based, in ordinal order of <paramref name="classify"/>'s labels) becomes cause i + 1,
    /// death without malignancy becomes cause (number of classes + 1), censoring stays 0.
    /// </summary>
    /// <param name="classify">Maps a malignancy type (possibly null) to its class label.</param>
    /// <returns>The causes, one per record, and the labels (cause i + 1 = Labels[i]).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="classify"/> is null.</exception>
    public (ImmutableArray<int> Causes, ImmutableArray<string> Labels) CausesByMalignancyClass(Func<string?, string> classify)
    {
        ArgumentNullException.ThrowIfNull(classify);
        var labels = Records.Where(r => r.Outcome == FollowUpOutcome.Malignancy)
            .Select(r => classify(r.MalignancyType)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToImmutableArray();
        var causes = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            var r = Records[i];
            causes[i] = r.Outcome switch
            {
                FollowUpOutcome.Malignancy => labels.IndexOf(classify(r.MalignancyType), StringComparer.Ordinal) + 1,
                FollowUpOutcome.Death => labels.Length + 1,
                _ => 0,
            };
        }

        return (ImmutableCollectionsMarshal.AsImmutableArray(causes), labels);
    }

    /// <summary>The API.md row rules that apply to a record whatever its source: every problem, with the CSV
    /// column it concerns, that column's value and the reason.</summary>
    internal static IEnumerable<(string Column, string Value, string Message)> Problems(CohortRecord r)
    {
        if (string.IsNullOrEmpty(r.PatientId))
        {
            yield return ("patient_id", "", "patient_id is empty");
        }

        string infusion = Iso(r.InfusionDate);
        if (r.LastFollowUpDate < r.InfusionDate)
        {
            yield return ("last_followup_date", Iso(r.LastFollowUpDate), $"last_followup_date is before infusion_date {infusion}");
        }

        if (r.MalignancyDate is { } m && m < r.InfusionDate)
        {
            yield return ("malignancy_date", Iso(m), $"malignancy_date is before infusion_date {infusion}");
        }

        if (r.DeathDate is { } d && d < r.InfusionDate)
        {
            yield return ("death_date", Iso(d), $"death_date is before infusion_date {infusion}");
        }

        if (r.MalignancyDate is { } m2 && r.DeathDate is { } d2 && m2 > d2)
        {
            yield return ("malignancy_date", Iso(m2), $"malignancy_date is after death_date {Iso(d2)}");
        }
    }

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
