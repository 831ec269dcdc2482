// Prints the classifier's accuracy on the labelled tables (npm run accuracy -w @vigil/classify).
import { measureAccuracy } from './accuracy';
import { createThreatClassifier } from './classifier';
import { HELD_OUT_EN, HELD_OUT_ZH, TUNING_EN, TUNING_ZH } from './labelled';
import { DEFAULT_THREAT_CONFIG } from './phrases';

const classifier = createThreatClassifier(DEFAULT_THREAT_CONFIG);
const tables = { TUNING_EN, TUNING_ZH, HELD_OUT_EN, HELD_OUT_ZH };
for (const [name, table] of Object.entries(tables)) {
  const a = measureAccuracy(classifier, table);
  console.log(
    `${name}: ${a.correct}/${a.total} = ${(a.accuracy * 100).toFixed(1)}%  TP ${a.truePositives} FP ${a.falsePositives} TN ${a.trueNegatives} FN ${a.falseNegatives}`,
  );
  for (const e of a.errors) {
    console.log(
      `  wrong (labelled ${e.threat ? 'threat' : 'not threat'}): ${e.text}`,
      classifier.classify(e.text),
    );
  }
}
