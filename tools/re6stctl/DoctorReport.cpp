// SPDX-License-Identifier: GPL-2.0-or-later
#include "DoctorReport.h"
#include "ValueFormat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace re6st::ctl {

using doctor::DoctorFinding;
using Status = DoctorFinding::Status;

QString DoctorReport::text(const QList<DoctorFinding> &findings, const QString &source)
{
    QString out;
    int counts[4] = {0, 0, 0, 0};
    const QString indent(9, u' ');
    auto block = [&](const QString &label, const QString &body) {
        const QStringList lines = ValueFormat::lines(body).split(u'\n');
        for (qsizetype i = 0; i < lines.size(); ++i)
            out += indent + (i == 0 ? label : QString(label.size(), u' ')) + lines.at(i) + u'\n';
    };
    for (const DoctorFinding &f : findings) {
        ++counts[int(f.status)];
        const QString status = f.status == Status::Problem ? QStringLiteral("PROBLEM") : DoctorFinding::toString(f.status);
        // check, summary, detail and fix may come from the daemon: escaped (audit F8).
        out += status.leftJustified(8) + u' ' + ValueFormat::plain(f.check).leftJustified(16) + u' '
            + ValueFormat::plain(f.summary) + u'\n';
        if (f.status == Status::Ok) continue;
        if (!f.detail.isEmpty()) block(QString(), f.detail);
        if (!f.fix.isEmpty()) block(QStringLiteral("fix: "), f.fix);
    }
    out += QStringLiteral("\n%1 problem(s), %2 warning(s), %3 skipped, %4 ok (checks run %5)\n")
               .arg(counts[int(Status::Problem)])
               .arg(counts[int(Status::Warning)])
               .arg(counts[int(Status::Skipped)])
               .arg(counts[int(Status::Ok)])
               .arg(source == QLatin1String("daemon") ? QStringLiteral("by the re6stnet daemon")
                                                      : QStringLiteral("locally by re6stctl"));
    return out;
}

QByteArray DoctorReport::json(const QList<DoctorFinding> &findings, const QString &source)
{
    QJsonArray list;
    int problems = 0;
    for (const DoctorFinding &f : findings) {
        list.append(QJsonObject::fromVariantMap(f.toVariantMap()));
        if (f.status == Status::Problem) ++problems;
    }
    QJsonObject o;
    o.insert(QStringLiteral("source"), source);
    o.insert(QStringLiteral("problems"), problems);
    o.insert(QStringLiteral("findings"), list);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

} // namespace re6st::ctl
