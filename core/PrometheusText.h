// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/MetricsCatalog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <initializer_list>
#include <utility>
#include <span>

namespace re6st::metrics {

// Writer of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one family
// = "# HELP" + "# TYPE" lines, then its samples. Pure: builds bytes only.
// Label values are given in the order of MetricSpec::labels; a sample whose
// label count does not match its spec is not written (and asserts in debug).
class PrometheusText final
{
public:
    static constexpr QByteArrayView ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // "# HELP <name> <help>\n# TYPE <name> <type>\n".
    void family(const MetricSpec &spec);
    // "<name>{<label>="<value>",...} <value>\n". Integers are written exactly
    // (a double loses counts above 2^53).
    void sample(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues, double value);
    void sample(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues, quint64 value);
    void sample(const MetricSpec &spec, double value) { sample(spec, {}, value); }
    void sample(const MetricSpec &spec, quint64 value) { sample(spec, {}, value); }
    // A histogram's samples: <name>_bucket{...,le="<bound>"} (cumulative, with
    // le="+Inf" = count), <name>_sum, <name>_count. `cumulativeCounts` has one
    // entry per bound, each the number of observations <= that bound.
    void histogram(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues,
                   std::span<const double> bounds, std::span<const quint64> cumulativeCounts, double sum,
                   quint64 count);

    const QByteArray &text() const { return m_text; }
    QByteArray take() { return std::exchange(m_text, {}); }

    // Label value escaping: \ -> \\, " -> \", newline -> \n.
    static QByteArray escapeLabelValue(QByteArrayView value);
    // HELP text escaping: \ -> \\, newline -> \n.
    static QByteArray escapeHelp(QByteArrayView help);
    // Go ParseFloat-compatible: "NaN", "+Inf", "-Inf", integers without exponent
    // up to 2^53, otherwise the shortest representation that reads back exactly.
    static QByteArray formatValue(double value);

private:
    bool writeSeries(const MetricSpec &spec, QByteArrayView suffix,
                     std::initializer_list<QByteArrayView> labelValues, QByteArrayView extraName = {},
                     QByteArrayView extraValue = {});

    QByteArray m_text;
};

} // namespace re6st::metrics
