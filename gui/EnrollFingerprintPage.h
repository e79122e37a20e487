// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QWizardPage>

class QCheckBox;
class QLabel;

namespace re6st::gui {

// Second page of EnrollWizard: the CA's SHA-256 fingerprint, grouped for reading aloud,
// and the network it describes. Continuing needs the "I checked it" box ticked.
class EnrollFingerprintPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollFingerprintPage)
public:
    explicit EnrollFingerprintPage(QWidget *parent = nullptr);
    void initializePage() override;
    bool validatePage() override; // QWizard::next() itself does not check mandatory fields

    QCheckBox *checkedBox() const { return m_checked; }
    QString shownFingerprint() const;
    // "sha256:abcd…" as groups of four upper-case digits, eight groups a line.
    static QString grouped(const QString &fingerprint);

private:
    QLabel *m_fingerprint;
    QLabel *m_details;
    QCheckBox *m_checked;
};

} // namespace re6st::gui
