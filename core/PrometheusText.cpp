// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PrometheusText.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace re6st::metrics {

namespace {

QByteArrayView view(std::string_view s)
{
    return QByteArrayView(s.data(), qsizetype(s.size()));
}

} // namespace

QByteArray PrometheusText::escapeLabelValue(QByteArrayView value)
{
    QByteArray out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

QByteArray PrometheusText::escapeHelp(QByteArrayView help)
{
    QByteArray out;
    out.reserve(help.size());
    for (const char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

QByteArray PrometheusText::formatValue(double value)
{
    if (std::isnan(value)) return QByteArrayLiteral("NaN");
    if (std::isinf(value)) return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (value == 0) return QByteArrayLiteral("0"); // also -0
    constexpr double exactInteger = 9007199254740992.0; // 2^53
    if (std::trunc(value) == value && std::fabs(value) <= exactInteger)
        return QByteArray::number(qint64(value));
    char buffer[64];
    // Shortest round-trip digits; plain decimals in the usual range ("0.0005", not "5e-04").
    const double magnitude = std::fabs(value);
    const auto result = magnitude >= 1e-6 && magnitude < 1e15
        ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
        : std::to_chars(buffer, buffer + sizeof buffer, value);
    return QByteArray(buffer, result.ptr - buffer);
}

void PrometheusText::family(const MetricSpec &spec)
{
    m_text += "# HELP ";
    m_text += view(spec.name);
    m_text += ' ';
    m_text += escapeHelp(view(spec.help));
    m_text += "\n# TYPE ";
    m_text += view(spec.name);
    m_text += ' ';
    m_text += view(typeName(spec.type));
    m_text += '\n';
}

bool PrometheusText::writeSeries(const MetricSpec &spec, QByteArrayView suffix,
                                 std::initializer_list<QByteArrayView> labelValues, QByteArrayView extraName,
                                 QByteArrayView extraValue)
{
    if (int(labelValues.size()) != spec.labelCount()) {
        Q_ASSERT_X(false, "PrometheusText", "label values do not match the MetricSpec");
        return false;
    }
    m_text += view(spec.name);
    m_text += suffix;
    if (labelValues.size() || !extraName.isEmpty()) {
        m_text += '{';
        int i = 0;
        for (const QByteArrayView value : labelValues) {
            if (i) m_text += ',';
            m_text += view(spec.labels[size_t(i)]);
            m_text += "=\"";
            m_text += escapeLabelValue(value);
            m_text += '"';
            ++i;
        }
        if (!extraName.isEmpty()) {
            if (i) m_text += ',';
            m_text += extraName;
            m_text += "=\"";
            m_text += escapeLabelValue(extraValue);
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
    return true;
}

void PrometheusText::sample(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues,
                            double value)
{
    if (!writeSeries(spec, {}, labelValues)) return;
    m_text += formatValue(value);
    m_text += '\n';
}

void PrometheusText::sample(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues,
                            quint64 value)
{
    if (!writeSeries(spec, {}, labelValues)) return;
    m_text += QByteArray::number(value);
    m_text += '\n';
}

void PrometheusText::histogram(const MetricSpec &spec, std::initializer_list<QByteArrayView> labelValues,
                               std::span<const double> bounds, std::span<const quint64> cumulativeCounts,
                               double sum, quint64 count)
{
    Q_ASSERT(bounds.size() == cumulativeCounts.size());
    const size_t n = std::min(bounds.size(), cumulativeCounts.size());
    for (size_t i = 0; i < n; ++i) {
        if (!writeSeries(spec, "_bucket", labelValues, "le", formatValue(bounds[i]))) return;
        m_text += QByteArray::number(cumulativeCounts[i]);
        m_text += '\n';
    }
    if (!writeSeries(spec, "_bucket", labelValues, "le", "+Inf")) return;
    m_text += QByteArray::number(count);
    m_text += '\n';
    writeSeries(spec, "_sum", labelValues);
    m_text += formatValue(sum);
    m_text += '\n';
    writeSeries(spec, "_count", labelValues);
    m_text += QByteArray::number(count);
    m_text += '\n';
}

} // namespace re6st::metrics
