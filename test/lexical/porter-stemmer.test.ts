import { test } from 'node:test';
import assert from 'node:assert/strict';
import { porterStem } from '../../src/lexical/porter-stemmer.js';

// Word -> stem pairs from the published algorithm's sample vocabulary and output
// (tartarus.org/martin/PorterStemmer, voc.txt / output.txt) and the paper's
// worked examples, run through the full algorithm.
const SAMPLE = `consign consign|consigned consign|consigning consign|consignment consign|consist consist|consisted consist
consistency consist|consistent consist|consistently consist|consisting consist|consists consist|consolation consol
consolations consol|consolatory consolatori|console consol|consoled consol|consoles consol|consolidate consolid
consolidated consolid|consolidating consolid|consoling consol|consolingly consolingli|consols consol|consonant conson
consort consort|consorted consort|consorting consort|conspicuous conspicu|conspicuously conspicu|conspiracy conspiraci
conspirator conspir|conspirators conspir|conspire conspir|conspired conspir|conspiring conspir|constable constabl
constables constabl|constance constanc|constancy constanc|constant constant|knack knack|knackeries knackeri|knacks knack
knag knag|knave knave|knaves knave|knavish knavish|kneaded knead|kneading knead|knee knee|kneel kneel|kneeled kneel
kneeling kneel|kneels kneel|knees knee|knell knell|knelt knelt|knew knew|knick knick|knif knif|knife knife|knight knight
knightly knightli|knights knight|knit knit|knits knit|knitted knit|knitting knit|knives knive|knob knob|knobs knob
knock knock|knocked knock|knocker knocker|knockers knocker|knocking knock|knocks knock|knopp knopp|knot knot|knots knot`;

// The paper's step examples, as the whole algorithm leaves them.
const PAPER = `caresses caress|ponies poni|ties ti|caress caress|cats cat|feed feed|agreed agre|plastered plaster|bled bled
motoring motor|sing sing|conflated conflat|troubled troubl|sized size|hopping hop|tanned tan|falling fall|hissing hiss
fizzed fizz|failing fail|filing file|happy happi|sky sky|relational relat|conditional condit|rational ration
valenci valenc|hesitanci hesit|digitizer digit|radicalli radic|differentli differ|vileli vile|analogousli analog
vietnamization vietnam|predication predic|operator oper|feudalism feudal|decisiveness decis|hopefulness hope
callousness callous|formaliti formal|sensitiviti sensit|sensibiliti sensibl|triplicate triplic|formative form
formalize formal|electriciti electr|electrical electr|hopeful hope|goodness good|revival reviv|allowance allow
inference infer|airliner airlin|gyroscopic gyroscop|adjustable adjust|defensible defens|irritant irrit
replacement replac|adjustment adjust|dependent depend|adoption adopt|homologou homolog|communism commun|activate activ
angulariti angular|homologous homolog|effective effect|bowdlerize bowdler|probate probat|rate rate|cease ceas
controll control|roll roll|generalizations gener|oscillators oscil`;

function pairs(table: string): Array<[string, string]> {
  return table.split(/[|\n]/).map((p) => p.trim().split(' ') as [string, string]);
}

test('porterStem reproduces the published sample vocabulary', () => {
  const table = pairs(SAMPLE);
  assert.equal(table.length, 80);
  for (const [word, stem] of table) assert.equal(porterStem(word), stem, word);
});

test('porterStem reproduces the paper examples', () => {
  for (const [word, stem] of pairs(PAPER)) assert.equal(porterStem(word), stem, word);
});

test('porterStem keeps the reference release departures (bli -> ble, logi -> log)', () => {
  // The paper's rule is abli -> able; the C release (and Lucene) use bli -> ble.
  assert.equal(porterStem('possibly'), 'possibl');
  // logi -> log exists only in the release: "archaeology" keeps "log".
  assert.equal(porterStem('archaeology'), 'archaeolog');
});

test('porterStem leaves words of one or two letters and non-letters alone', () => {
  assert.equal(porterStem('is'), 'is');
  assert.equal(porterStem('a'), 'a');
  assert.equal(porterStem('1,000'), '1,000');
  assert.equal(porterStem(''), '');
});
