import { describe, expect, it } from 'vitest';
import { StopDetector, type StopDetectorOptions } from '../../../electron/engine/stopping.js';
import type { StopReason } from '../../../electron/engine/types.js';

interface Run {
  /** Everything emitted, including flush() when the generation did not stop. */
  text: string;
  stop: StopReason | null;
  /** What each push emitted. */
  emits: string[];
}

function run(options: StopDetectorOptions, pieces: readonly string[]): Run {
  const d = new StopDetector(options);
  const emits: string[] = [];
  let stop: StopReason | null = null;
  for (const p of pieces) {
    const r = d.push(p);
    emits.push(r.emit);
    if (r.stop) {
      stop = r.stop;
      break;
    }
  }
  const rest = d.flush();
  return { text: emits.join('') + rest, stop, emits };
}

describe('StopDetector: stop strings', () => {
  it('stops at a stop string and does not emit it', () => {
    expect(run({ stopStrings: ['END'] }, ['Once upon END more'])).toMatchObject({ text: 'Once upon ', stop: 'stop-string' });
  });

  it('holds back a possible start and releases it when it turns out not to be one', () => {
    const r = run({ stopStrings: ['###'] }, ['a #', '# b', ' c']);
    expect(r.emits).toEqual(['a ', '## b', ' c']);
    expect(r.stop).toBeNull();
  });

  it('finds a stop string split over three pushes', () => {
    const r = run({ stopStrings: ['<|end|>'] }, ['Hello <|', 'en', 'd|> tail']);
    expect(r).toMatchObject({ text: 'Hello ', stop: 'stop-string' });
    expect(r.emits).toEqual(['Hello ', '', '']);
  });

  it('flush returns the held-back rest when the generation ends first', () => {
    const d = new StopDetector({ stopStrings: ['\n\n'] });
    expect(d.push('The end\n')).toEqual({ emit: 'The end', stop: null });
    expect(d.flush()).toBe('\n');
  });

  it('picks the earliest of several stop strings', () => {
    expect(run({ stopStrings: ['zzz', 'b'] }, ['a', 'bzzz'])).toMatchObject({ text: 'a', stop: 'stop-string' });
  });

  it('says nothing more after a stop', () => {
    const d = new StopDetector({ stopStrings: ['x'] });
    expect(d.push('ax')).toEqual({ emit: 'a', stop: 'stop-string' });
    expect(d.push('more')).toEqual({ emit: '', stop: 'stop-string' });
    expect(d.flush()).toBe('');
  });
});

describe('StopDetector: sentence', () => {
  const sentence = (pieces: readonly string[], precedingText?: string): Run =>
    run({ stopAt: 'sentence', ...(precedingText === undefined ? {} : { precedingText }) }, pieces);

  it('stops after the period, emitting it but not what follows', () => {
    expect(sentence([' She left', '.', ' Then'])).toMatchObject({ text: ' She left.', stop: 'sentence' });
    expect(sentence([' Really?! No'])).toMatchObject({ text: ' Really?!', stop: 'sentence' });
    expect(sentence([' Wait', '..', '. And'])).toMatchObject({ text: ' Wait...', stop: 'sentence' });
    expect(sentence([' Wait… Then'])).toMatchObject({ text: ' Wait…', stop: 'sentence' });
  });

  it('includes closing quotes and brackets, also when they arrive in a later token', () => {
    expect(sentence([' “Go home.', '”', ' She left'])).toMatchObject({ text: ' “Go home.”', stop: 'sentence' });
    expect(sentence([' He said ‘no.’ Then'])).toMatchObject({ text: ' He said ‘no.’', stop: 'sentence' });
    expect(sentence([' (It rained.) Next'])).toMatchObject({ text: ' (It rained.)', stop: 'sentence' });
    expect(sentence([' "Stop!"', ' He ran'])).toMatchObject({ text: ' "Stop!"', stop: 'sentence' });
  });

  it('does not stop at abbreviations, also split across tokens', () => {
    expect(sentence([' Mr', '. Smith came. He'])).toMatchObject({ text: ' Mr. Smith came.', stop: 'sentence' });
    expect(sentence([' Mrs. Hughes and Dr. Who met at St. Paul. Then'])).toMatchObject({
      text: ' Mrs. Hughes and Dr. Who met at St. Paul.',
      stop: 'sentence',
    });
    expect(sentence([' fruit, e.g. apples. More'])).toMatchObject({ text: ' fruit, e.g. apples.', stop: 'sentence' });
    expect(sentence([' by J. R. R. Tolkien. More'])).toMatchObject({ text: ' by J. R. R. Tolkien.', stop: 'sentence' });
    // The abbreviation's word started in the writer's text.
    expect(sentence(['r. Smith is here. Go'], 'I met M')).toMatchObject({ text: 'r. Smith is here.', stop: 'sentence' });
  });

  it('does not stop when the next word is lowercase (dialogue tags), and holds the space until it knows', () => {
    const r = sentence([' “Stop!”', ' he cried', '. Then']);
    expect(r).toMatchObject({ text: ' “Stop!” he cried.', stop: 'sentence' });
    const d = sentence([' “Stop!”', ' ', 'He ran.']);
    expect(d.emits).toEqual([' “Stop!”', '', '']);
    expect(d).toMatchObject({ text: ' “Stop!”', stop: 'sentence' });
    expect(sentence([' apples, pears etc. and more. Yes'])).toMatchObject({ text: ' apples, pears etc. and more.', stop: 'sentence' });
  });

  it('decides at once when a line break follows the period', () => {
    expect(sentence([' She left.', '\n', '\nlater'])).toMatchObject({ text: ' She left.', stop: 'sentence' });
  });

  it('does not stop inside decimals or domains', () => {
    expect(sentence([' pi is 3', '.', '14 or so. Yes'])).toMatchObject({ text: ' pi is 3.14 or so.', stop: 'sentence' });
    expect(sentence([' see example.com now. Ok'])).toMatchObject({ text: ' see example.com now.', stop: 'sentence' });
  });

  it('does not stop before any content was generated', () => {
    expect(sentence(['. Then she went home. After'], 'He left')).toMatchObject({ text: '. Then she went home.', stop: 'sentence' });
    expect(sentence(['  ', '!', ' Yes! No'])).toMatchObject({ text: '  ! Yes!', stop: 'sentence' });
  });

  it('keeps leading whitespace and stops at a newline after content', () => {
    expect(sentence(['\n\nChapter two', '\nIt was'])).toMatchObject({ text: '\n\nChapter two', stop: 'paragraph' });
  });

  it('does not stop when the period ends the generation; flush gives the rest', () => {
    expect(sentence([' The end.'])).toMatchObject({ text: ' The end.', stop: null });
  });

  it('does not stop at commas', () => {
    expect(sentence([' Yes, she said. No'])).toMatchObject({ text: ' Yes, she said.', stop: 'sentence' });
  });
});

describe('StopDetector: phrase', () => {
  const phrase = (pieces: readonly string[]): Run => run({ stopAt: 'phrase' }, pieces);

  it('stops at , ; : followed by whitespace', () => {
    expect(phrase([' Slowly', ',', ' she'])).toMatchObject({ text: ' Slowly,', stop: 'phrase' });
    expect(phrase([' one; two'])).toMatchObject({ text: ' one;', stop: 'phrase' });
    expect(phrase([' thus: more'])).toMatchObject({ text: ' thus:', stop: 'phrase' });
  });

  it('does not stop inside numbers and times', () => {
    expect(phrase([' 3,000 men at 10:30 came, and'])).toMatchObject({ text: ' 3,000 men at 10:30 came,', stop: 'phrase' });
  });

  it('stops after a dash, including a closing quote', () => {
    expect(phrase([' She waited', '—', 'then'])).toMatchObject({ text: ' She waited—', stop: 'phrase' });
    expect(phrase([' “But—', '”', ' he'])).toMatchObject({ text: ' “But—”', stop: 'phrase' });
    expect(phrase([' 1990 – 2000'])).toMatchObject({ text: ' 1990 –', stop: 'phrase' });
  });

  it('stops at sentence ends too', () => {
    expect(phrase([' Done. Next'])).toMatchObject({ text: ' Done.', stop: 'sentence' });
  });
});

describe('StopDetector: Chinese and Japanese punctuation', () => {
  const sentence = (pieces: readonly string[], precedingText?: string): Run =>
    run({ stopAt: 'sentence', ...(precedingText === undefined ? {} : { precedingText }) }, pieces);
  const phrase = (pieces: readonly string[]): Run => run({ stopAt: 'phrase' }, pieces);

  it('ends a sentence at 。！？ with no space after them', () => {
    expect(sentence(['他走了', '。', '她笑了。'])).toMatchObject({ text: '他走了。', stop: 'sentence' });
    expect(sentence(['快跑！他喊道。'])).toMatchObject({ text: '快跑！', stop: 'sentence' });
    expect(sentence(['你是谁？', '我不知道。'])).toMatchObject({ text: '你是谁？', stop: 'sentence' });
    expect(sentence(['她走了。 后来'])).toMatchObject({ text: '她走了。', stop: 'sentence' });
  });

  it('takes a run of marks and the ellipsis …… as one end', () => {
    expect(sentence(['真的吗？！', '不会吧。'])).toMatchObject({ text: '真的吗？！', stop: 'sentence' });
    expect(sentence(['他沉默了', '…', '…', '窗外下着雨。'])).toMatchObject({ text: '他沉默了……', stop: 'sentence' });
  });

  it('includes closing quotes and brackets, also when they arrive in a later token', () => {
    expect(sentence(['他说：“走吧。', '”', '她点头。'])).toMatchObject({ text: '他说：“走吧。”', stop: 'sentence' });
    expect(sentence(['「行かない！」', '彼は言った。'])).toMatchObject({ text: '「行かない！」', stop: 'sentence' });
    expect(sentence(['书名是《红楼梦》。（完。）后来'])).toMatchObject({ text: '书名是《红楼梦》。', stop: 'sentence' });
    expect(sentence(['（完。）后来'])).toMatchObject({ text: '（完。）', stop: 'sentence' });
    expect(sentence(['『终』', '。下'])).toMatchObject({ text: '『终』。', stop: 'sentence' });
  });

  it('holds what follows the mark until it knows whether a closer comes, and shows the mark at once', () => {
    const r = sentence(['他说：“走吧。', '”', '她']);
    expect(r.emits).toEqual(['他说：“走吧。', '”', '']);
    expect(r.stop).toBe('sentence');
  });

  it('counts half-width ! ? . right before a CJK character, but not after an abbreviation or inside a number', () => {
    expect(sentence(['好!他笑了。'])).toMatchObject({ text: '好!', stop: 'sentence' });
    expect(sentence(['对吗?', '她问。'])).toMatchObject({ text: '对吗?', stop: 'sentence' });
    expect(sentence(['我见到了Mr.王先生。再见'])).toMatchObject({ text: '我见到了Mr.王先生。', stop: 'sentence' });
    expect(sentence(['价格是3.5元。好'])).toMatchObject({ text: '价格是3.5元。', stop: 'sentence' });
  });

  it('does not end a sentence at a full-width ． between two digits: it is a decimal point', () => {
    expect(sentence(['价格是３．５元。好'])).toMatchObject({ text: '价格是３．５元。', stop: 'sentence' });
    expect(sentence(['价格是３', '．', '５元。好'])).toMatchObject({ text: '价格是３．５元。', stop: 'sentence' });
    expect(sentence(['体温3．8度。她'])).toMatchObject({ text: '体温3．8度。', stop: 'sentence' });
    expect(sentence(['共３．他走了'])).toMatchObject({ text: '共３．', stop: 'sentence' });
    expect(sentence(['第３．。５'])).toMatchObject({ text: '第３．。', stop: 'sentence' });
  });

  it('does not stop before any content was generated', () => {
    expect(sentence(['。他走了。她'], '天黑了')).toMatchObject({ text: '。他走了。', stop: 'sentence' });
  });

  it('stops at a newline after content, as for any text', () => {
    expect(sentence(['第一章\n从前'])).toMatchObject({ text: '第一章', stop: 'paragraph' });
  });

  it('does not stop at ，、；： when a sentence is asked for', () => {
    expect(sentence(['春天来了，花开了；鸟儿、蝴蝶都来了：真好。后来'])).toMatchObject({
      text: '春天来了，花开了；鸟儿、蝴蝶都来了：真好。',
      stop: 'sentence',
    });
  });

  it('phrase: stops at ，、；： with or without a space, and at half-width , ; : before a CJK character', () => {
    expect(phrase(['春天来了', '，', '花开了'])).toMatchObject({ text: '春天来了，', stop: 'phrase' });
    expect(phrase(['桃花、杏花'])).toMatchObject({ text: '桃花、', stop: 'phrase' });
    expect(phrase(['有三件事；第一'])).toMatchObject({ text: '有三件事；', stop: 'phrase' });
    expect(phrase(['他说：“好。”'])).toMatchObject({ text: '他说：', stop: 'phrase' });
    expect(phrase(['春天来了, 花开了'])).toMatchObject({ text: '春天来了,', stop: 'phrase' });
    expect(phrase(['春天来了,花开了'])).toMatchObject({ text: '春天来了,', stop: 'phrase' });
    expect(phrase(['共3,000人'])).toMatchObject({ text: '共3,000人', stop: null });
  });

  it('phrase: does not stop at a full-width ， or ： between two digits, inside a number or a time', () => {
    expect(phrase(['共３，０００人，十点'])).toMatchObject({ text: '共３，０００人，', stop: 'phrase' });
    expect(phrase(['在１０：３０出发：早'])).toMatchObject({ text: '在１０：３０出发：', stop: 'phrase' });
  });

  it('phrase: stops after the dash ——, taken whole', () => {
    expect(phrase(['他想起了一个人', '—', '—', '她的母亲。'])).toMatchObject({ text: '他想起了一个人——', stop: 'phrase' });
    expect(phrase(['那是——”', '他停住'])).toMatchObject({ text: '那是——”', stop: 'phrase' });
  });

  it('phrase: stops at sentence ends too', () => {
    expect(phrase(['好了。走吧'])).toMatchObject({ text: '好了。', stop: 'sentence' });
  });

  it('paragraph: ignores the punctuation and stops at the line break', () => {
    expect(run({ stopAt: 'paragraph' }, ['他走了。她笑了，', '\n下一段'])).toMatchObject({ text: '他走了。她笑了，', stop: 'paragraph' });
  });
});

describe('StopDetector: paragraph', () => {
  const paragraph = (pieces: readonly string[]): Run => run({ stopAt: 'paragraph' }, pieces);

  it('stops at a blank line split over tokens, excluding the newlines', () => {
    expect(paragraph([' She left. He stayed.', '\n', '\nNext'])).toMatchObject({ text: ' She left. He stayed.', stop: 'paragraph' });
  });

  it('stops at a single newline and at \\r\\n', () => {
    expect(paragraph([' line one\nline two'])).toMatchObject({ text: ' line one', stop: 'paragraph' });
    expect(paragraph([' line one\r\nline two'])).toMatchObject({ text: ' line one', stop: 'paragraph' });
  });

  it('lets leading newlines through', () => {
    expect(paragraph(['\n\n', 'New paragraph. More.', '\n\n'])).toMatchObject({ text: '\n\nNew paragraph. More.', stop: 'paragraph' });
  });

  it('combines with stop strings: the earlier one wins', () => {
    expect(run({ stopAt: 'paragraph', stopStrings: ['THE END'] }, [' And so', ' THE', ' END\nx'])).toMatchObject({
      text: ' And so ',
      stop: 'stop-string',
    });
    expect(run({ stopAt: 'paragraph', stopStrings: ['THE END'] }, [' And so\n THE END'])).toMatchObject({
      text: ' And so',
      stop: 'paragraph',
    });
  });
});

describe('StopDetector: none', () => {
  it('never stops on punctuation or newlines', () => {
    expect(run({ stopAt: 'none' }, [' a. b\n\nc, d'])).toMatchObject({ text: ' a. b\n\nc, d', stop: null });
  });
});

describe('StopDetector: any split gives the same result', () => {
  const texts = [
    ' Mr. Smith arrived at 3.15 p.m.; “Hello!” he said. Then',
    ' One, two—three\n\nfour',
    'x<stop>y',
    '他说：“走吧！”她笑了，好!Mr.王——再见……',
    '３．５元，１０：３０到。他',
  ];
  for (const stopAt of ['sentence', 'phrase', 'paragraph', 'none'] as const) {
    it(stopAt, () => {
      for (const text of texts) {
        const whole = run({ stopAt, stopStrings: ['<stop>'] }, [text]);
        for (let a = 1; a < text.length; a++) {
          for (let b = a; b < text.length; b += 3) {
            const split = run({ stopAt, stopStrings: ['<stop>'] }, [text.slice(0, a), text.slice(a, b), text.slice(b)]);
            expect({ text: split.text, stop: split.stop }, `${JSON.stringify(text)} split at ${a}, ${b}`).toEqual({
              text: whole.text,
              stop: whole.stop,
            });
          }
        }
      }
    });
  }
});
