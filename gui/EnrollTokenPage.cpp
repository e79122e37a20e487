// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollTokenPage.h"

#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollTokenPage::EnrollTokenPage(QWidget *parent)
    : QWizardPage(parent), m_hint(new QLabel(this)), m_token(new QLineEdit(this)), m_error(new QLabel(this))
{
    setTitle(tr("Token"));
    m_hint->setWordWrap(true);
    m_hint->setTextFormat(Qt::PlainText);
    m_token->setObjectName(QStringLiteral("token"));
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // the daemon's error message
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_hint);
    layout->addWidget(m_token);
    layout->addWidget(m_error);
    layout->addStretch();
    registerField(QStringLiteral("token*"), m_token);
    connect(m_token, &QLineEdit::textEdited, m_error, &QLabel::hide);
}

void EnrollTokenPage::initializePage()
{
    m_hint->setText(tr("The registry sent a token to %1. Copy it from the mail into this field.")
                        .arg(field(QStringLiteral("email")).toString()));
    m_error->hide();
}

bool EnrollTokenPage::validatePage()
{
    return !m_token->text().trimmed().isEmpty();
}

void EnrollTokenPage::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

QString EnrollTokenPage::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

} // namespace re6st::gui
