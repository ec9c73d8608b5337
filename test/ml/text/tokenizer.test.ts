import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFixture } from '../../helpers/fixtures.ts';
import { Analyzer } from '../../../src/ml/text/analyzer.ts';
import { ENGLISH_STOP_WORDS } from '../../../src/ml/text/english-stop-words.ts';
import { murmurhash3Bytes, murmurhash3String } from '../../../src/ml/text/murmurhash3.ts';
import { Tokenizer } from '../../../src/ml/text/tokenizer.ts';
import { CuratorError } from '../../../src/ml/errors.ts';

interface TokensFixture {
  strings: string[];
  default: string[][];
  patterns: Record<string, string[][]>;
  ngram_stop: string[][];
}
const fx = readFixture<{ tokens: TokensFixture }>('text.json').tokens;

describe('Analyzer tokens equal scikit-learn build_analyzer()', () => {
  it('default settings (lowercase, (?u)\\b\\w\\w+\\b) on unicode, digits, underscores, astral chars, İ, ß, final sigma', () => {
    const a = new Analyzer();
    fx.strings.forEach((s, i) => assert.deepEqual(a.features(s), fx.default[i], `string ${i}: ${JSON.stringify(s)}`));
  });

  it('analyze() gives the same tokens through the shared dictionary', () => {
    const a = new Analyzer();
    const docs = a.analyze(fx.strings);
    docs.docs.forEach((ids, i) => assert.deepEqual(Array.from(ids, (id) => docs.terms[id]), fx.default[i], `string ${i}`));
  });

  for (const pattern of Object.keys(fx.patterns)) {
    it(`custom tokenPattern ${pattern}`, () => {
      const a = new Analyzer({ tokenPattern: pattern });
      fx.strings.forEach((s, i) => assert.deepEqual(a.features(s), fx.patterns[pattern]![i], `string ${i}: ${JSON.stringify(s)}`));
      const docs = a.analyze(fx.strings);
      docs.docs.forEach((ids, i) => assert.deepEqual(Array.from(ids, (id) => docs.terms[id]), fx.patterns[pattern]![i], `analyze, string ${i}`));
    });
  }

  it('ngramRange [1, 3] with English stop words', () => {
    const a = new Analyzer({ ngramRange: [1, 3], stopWords: 'english' });
    fx.strings.forEach((s, i) => assert.deepEqual(a.features(s), fx.ngram_stop[i], `string ${i}`));
    const docs = a.analyze(fx.strings);
    docs.docs.forEach((ids, i) => assert.deepEqual(Array.from(ids, (id) => docs.terms[id]), fx.ngram_stop[i], `analyze, string ${i}`));
  });

  it('the stop list is scikit-learn\'s (318 words, sorted)', () => {
    assert.equal(ENGLISH_STOP_WORDS.length, 318);
    assert.deepEqual([...ENGLISH_STOP_WORDS].sort(), ENGLISH_STOP_WORDS);
    assert.ok(ENGLISH_STOP_WORDS.includes('the') && ENGLISH_STOP_WORDS.includes('amoungst'));
  });

  it('analyzer keys differ exactly when the features can differ', () => {
    assert.equal(new Analyzer().key, new Analyzer({ ngramRange: [1, 1] }).key);
    assert.notEqual(new Analyzer().key, new Analyzer({ lowercase: false }).key);
    assert.notEqual(new Analyzer({ stopWords: ['a'] }).key, new Analyzer({ stopWords: ['b'] }).key);
  });
});

describe('Tokenizer', () => {
  it('counts token length in code points: one astral letter is not a token, two are', () => {
    const t = new Tokenizer();
    assert.deepEqual(t.tokenize('𝒳 𝒳𝒴 a'), ['𝒳𝒴']);
  });

  it('refuses patterns with more than one capturing group, naming tokenPattern', () => {
    assert.throws(() => new Tokenizer('(a)(b)'), (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_PARAM' && e.field === 'tokenPattern' && /2 capturing groups/.test(e.message));
    assert.throws(() => new Tokenizer('(unclosed'), (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_PARAM' && e.field === 'tokenPattern');
  });
});

describe('murmurhash3', () => {
  it('matches sklearn.utils.murmurhash3_32 (signed, seeds 0 and 42)', () => {
    // values from /usr/bin/python3 -c "from sklearn.utils import murmurhash3_32 as m; print(m('foo', 0), ...)"
    const cases: [string, number, number][] = [
      ['foo', -156908512, -1322301282],
      ['', 0, 142593372],
      ['abcde', -392455434, -1361433616],
      ['wörld', -1861391510, 1182526613],
      ['日本語', -1515949417, -976822600],
      ['𝒳yz', 1186504858, -548775374],
    ];
    for (const [s, h0, h42] of cases) {
      assert.equal(murmurhash3String(s), h0, s);
      assert.equal(murmurhash3String(s, 42), h42, s);
      assert.equal(murmurhash3Bytes(new TextEncoder().encode(s)), h0, s);
    }
  });
});
