import type { ThreatClassifier } from './classifier';
import type { LabelledMessage } from './labelled';

/** Confusion counts of a classifier on a labelled table. */
export interface Accuracy {
  total: number;
  correct: number;
  /** correct / total, 0 for an empty table. */
  accuracy: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** The rows the classifier got wrong. */
  errors: LabelledMessage[];
}

export function measureAccuracy(classifier: ThreatClassifier, table: LabelledMessage[]): Accuracy {
  const a: Accuracy = {
    total: table.length,
    correct: 0,
    accuracy: 0,
    truePositives: 0,
    falsePositives: 0,
    trueNegatives: 0,
    falseNegatives: 0,
    errors: [],
  };
  for (const row of table) {
    const predicted = classifier.classify(row.text).threat;
    if (predicted && row.threat) a.truePositives++;
    else if (predicted) a.falsePositives++;
    else if (row.threat) a.falseNegatives++;
    else a.trueNegatives++;
    if (predicted === row.threat) a.correct++;
    else a.errors.push(row);
  }
  a.accuracy = a.total === 0 ? 0 : a.correct / a.total;
  return a;
}
