// SPDX-License-Identifier: GPL-2.0-or-later
// core/PrometheusText: the text exposition format 0.0.4 and core/MetricsCatalog.
#include "core/MetricsCatalog.h"
#include "core/PrometheusText.h"

#include <QSet>
#include <QtTest>
#include <cmath>
#include <limits>

using namespace re6st::metrics;

namespace {
constexpr MetricSpec TestCounter{"test_things_total", MetricType::Counter, "Things.\nSecond \\ line.", {"kind"}};
constexpr MetricSpec TestGauge{"test_level", MetricType::Gauge, "Level."};
constexpr MetricSpec TestTwo{"test_pairs_total", MetricType::Counter, "Pairs.", {"a", "b"}};
constexpr MetricSpec TestHistogram{"test_duration_seconds", MetricType::Histogram, "Durations."};
} // namespace

class TestPrometheusText final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatValue_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("zero") << 0.0 << QByteArray("0");
        QTest::newRow("negative zero") << -0.0 << QByteArray("0");
        QTest::newRow("one") << 1.0 << QByteArray("1");
        QTest::newRow("negative") << -42.0 << QByteArray("-42");
        QTest::newRow("unix time") << 1798761600.0 << QByteArray("1798761600");
        QTest::newRow("2^53") << 9007199254740992.0 << QByteArray("9007199254740992");
        QTest::newRow("above 2^53") << 1e20 << QByteArray("1e+20");
        QTest::newRow("fraction") << 0.25 << QByteArray("0.25");
        QTest::newRow("shortest") << 0.1 << QByteArray("0.1");
        QTest::newRow("small") << 0.0005 << QByteArray("0.0005");
        QTest::newRow("tiny") << 1.5e-9 << QByteArray("1.5e-09");
        QTest::newRow("fraction big") << 123456.789 << QByteArray("123456.789");
        QTest::newRow("third") << 1.0 / 3 << QByteArray("0.3333333333333333");
        QTest::newRow("+Inf") << std::numeric_limits<double>::infinity() << QByteArray("+Inf");
        QTest::newRow("-Inf") << -std::numeric_limits<double>::infinity() << QByteArray("-Inf");
        QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
    }
    void formatValue()
    {
        QFETCH(double, value);
        QFETCH(QByteArray, text);
        QCOMPARE(PrometheusText::formatValue(value), text);
        if (!std::isnan(value)) {
            // Reads back to the same double (what Prometheus' ParseFloat does).
            const QByteArray parse = text == "+Inf" ? QByteArray("inf") : text == "-Inf" ? QByteArray("-inf") : text;
            QCOMPARE(std::strtod(parse.constData(), nullptr), value == 0 ? 0.0 : value);
        }
    }

    void escaping()
    {
        QCOMPARE(PrometheusText::escapeLabelValue("plain"), QByteArray("plain"));
        QCOMPARE(PrometheusText::escapeLabelValue("a\\b\"c\nd"), QByteArray("a\\\\b\\\"c\\nd"));
        QCOMPARE(PrometheusText::escapeLabelValue("tab\tstays, utf-8 \xc3\xa9 stays"),
                 QByteArray("tab\tstays, utf-8 \xc3\xa9 stays"));
        // HELP escapes backslash and newline, not quotes.
        QCOMPARE(PrometheusText::escapeHelp("say \"hi\"\\\n"), QByteArray("say \"hi\"\\\\\\n"));
    }

    void familyAndSamples()
    {
        PrometheusText t;
        t.family(TestCounter);
        t.sample(TestCounter, {"bad\"one"}, quint64(3));
        t.sample(TestCounter, {"max"}, std::numeric_limits<quint64>::max());
        t.family(TestGauge);
        t.sample(TestGauge, 0.5);
        t.family(TestTwo);
        t.sample(TestTwo, {"x", "y\n"}, quint64(1));
        QCOMPARE(t.text(), QByteArray("# HELP test_things_total Things.\\nSecond \\\\ line.\n"
                                      "# TYPE test_things_total counter\n"
                                      "test_things_total{kind=\"bad\\\"one\"} 3\n"
                                      "test_things_total{kind=\"max\"} 18446744073709551615\n"
                                      "# HELP test_level Level.\n"
                                      "# TYPE test_level gauge\n"
                                      "test_level 0.5\n"
                                      "# HELP test_pairs_total Pairs.\n"
                                      "# TYPE test_pairs_total counter\n"
                                      "test_pairs_total{a=\"x\",b=\"y\\n\"} 1\n"));
        const QByteArray taken = t.take();
        QVERIFY(taken.endsWith("} 1\n"));
        QVERIFY(t.text().isEmpty());
    }

    void histogram()
    {
        PrometheusText t;
        t.family(TestHistogram);
        const double bounds[] = {0.001, 0.5, 2};
        const quint64 counts[] = {1, 3, 3};
        t.histogram(TestHistogram, {}, bounds, counts, 1.25, 4);
        QCOMPARE(t.text(), QByteArray("# HELP test_duration_seconds Durations.\n"
                                      "# TYPE test_duration_seconds histogram\n"
                                      "test_duration_seconds_bucket{le=\"0.001\"} 1\n"
                                      "test_duration_seconds_bucket{le=\"0.5\"} 3\n"
                                      "test_duration_seconds_bucket{le=\"2\"} 3\n"
                                      "test_duration_seconds_bucket{le=\"+Inf\"} 4\n"
                                      "test_duration_seconds_sum 1.25\n"
                                      "test_duration_seconds_count 4\n"));
    }

    void catalogIsConsistent()
    {
        // The compile-time checks hold at run time too, and the two lists share
        // only re6st_build_info.
        QSet<QByteArray> node, registry;
        for (const MetricSpec *m : NodeCatalog) node.insert(QByteArray(m->name.data(), qsizetype(m->name.size())));
        for (const MetricSpec *m : RegistryCatalog)
            registry.insert(QByteArray(m->name.data(), qsizetype(m->name.size())));
        QCOMPARE(node.size(), qsizetype(NodeCatalog.size()));
        QCOMPARE(registry.size(), qsizetype(RegistryCatalog.size()));
        QCOMPARE(node.intersect(registry), QSet<QByteArray>{"re6st_build_info"});
        for (const MetricSpec *m : NodeCatalog) QVERIFY(m->name.starts_with("re6st_"));
        for (const MetricSpec *m : RegistryCatalog) QVERIFY(m->name.starts_with("re6st_"));
        QVERIFY(!detail::validName("9bad", false));
        QVERIFY(!detail::validName("bad-name", false));
        QVERIFY(!detail::validName("a:b", true));
        QVERIFY(!detail::validName("__reserved", true));
        QVERIFY(detail::validName("re6st:ok_1", false));
        constexpr MetricSpec counterWithoutTotal{"x_count", MetricType::Counter, "x"};
        QVERIFY(!detail::validCatalog(std::array<const MetricSpec *, 1>{&counterWithoutTotal}));
        QVERIFY(!detail::validCatalog(std::array<const MetricSpec *, 2>{&TestGauge, &TestGauge}));
    }
};

QTEST_GUILESS_MAIN(TestPrometheusText)
#include "tst_prometheustext.moc"
