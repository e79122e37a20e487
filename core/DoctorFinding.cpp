// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/DoctorFinding.h"

namespace re6st::doctor {

QString DoctorFinding::toString(Status status)
{
    switch (status) {
    case Status::Ok: return QStringLiteral("ok");
    case Status::Warning: return QStringLiteral("warning");
    case Status::Problem: return QStringLiteral("problem");
    case Status::Skipped: return QStringLiteral("skipped");
    }
    return {};
}

std::optional<DoctorFinding::Status> DoctorFinding::statusFromString(const QString &text)
{
    for (Status s : {Status::Ok, Status::Warning, Status::Problem, Status::Skipped})
        if (toString(s) == text) return s;
    return std::nullopt;
}

QVariantMap DoctorFinding::toVariantMap() const
{
    return {{QStringLiteral("check"), check},     {QStringLiteral("status"), toString(status)},
            {QStringLiteral("summary"), summary}, {QStringLiteral("detail"), detail},
            {QStringLiteral("fix"), fix}};
}

std::optional<DoctorFinding> DoctorFinding::fromVariantMap(const QVariantMap &map)
{
    for (const char *key : {"check", "status", "summary", "detail", "fix"})
        if (!map.contains(QLatin1String(key))) return std::nullopt;
    const auto status = statusFromString(map.value(QStringLiteral("status")).toString());
    if (!status) return std::nullopt;
    DoctorFinding f;
    f.check = map.value(QStringLiteral("check")).toString();
    f.status = *status;
    f.summary = map.value(QStringLiteral("summary")).toString();
    f.detail = map.value(QStringLiteral("detail")).toString();
    f.fix = map.value(QStringLiteral("fix")).toString();
    return f;
}

QList<QVariantMap> DoctorFinding::toVariantMaps(const QList<DoctorFinding> &findings)
{
    QList<QVariantMap> maps;
    for (const DoctorFinding &f : findings) maps << f.toVariantMap();
    return maps;
}

bool DoctorFinding::hasProblem(const QList<DoctorFinding> &findings)
{
    for (const DoctorFinding &f : findings)
        if (f.status == Status::Problem) return true;
    return false;
}

} // namespace re6st::doctor
