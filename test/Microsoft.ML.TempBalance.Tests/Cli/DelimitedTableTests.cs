using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Tests.Cli;

[TestClass]
public sealed class DelimitedTableTests
{
    private static DelimitedTable Read(TempFolder folder, string name, string text)
    {
        string path = folder.File(name);
        File.WriteAllText(path, text);
        return DelimitedTable.Read(path);
    }

    [TestMethod]
    public void EveryLineAfterTheHeaderIsARowWithItsLineNumber()
    {
        using var folder = new TempFolder();
        DelimitedTable tsv = Read(folder, "a.tsv", "text\nhello\n\nworld");
        CollectionAssert.AreEqual(new[] { "hello", "", "world" }, tsv.Rows.Select(r => r[0]).ToArray(), "no final line break needed");
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, tsv.Lines.ToArray());

        // CSV: a quoted field may span lines; a last quoted empty field without a line break is still a row.
        DelimitedTable csv = Read(folder, "b.csv", "text\r\n\"two\nlines\"\r\n\r\n\"\"");
        CollectionAssert.AreEqual(new[] { "two\nlines", "", "" }, csv.Rows.Select(r => r[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 4, 5 }, csv.Lines.ToArray());

        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(folder, "c.csv", "a,b\n1,2\n\"open\n")).Message, "line 3 is never closed");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(folder, "d.tsv", "a\tb\n1\t2\n3\n")).Message, "line 3 has 1 field(s)");
    }

    [TestMethod]
    public void LabelsAreClassNamesOrFiniteNumbersElseRefusedWithTheirLine()
    {
        using var folder = new TempFolder();
        DelimitedTable table = Read(folder, "l.tsv", "text\tlabel\na\tpos\nb\t\nc\t0.5\nd\tNaN\n");
        Assert.AreEqual("pos", table.Label(0, 1, regression: false));
        Assert.AreEqual("0.5", table.Label(2, 1, regression: true));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => table.Label(1, 1, regression: false)).Message, "line 3: label '' in column 'label' is not a class name");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => table.Label(0, 1, regression: true)).Message, "line 2: label 'pos' in column 'label' is not a finite number");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => table.Label(3, 1, regression: true)).Message, "line 5");
    }
}
