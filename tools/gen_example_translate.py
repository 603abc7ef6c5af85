#!/usr/bin/env python3
"""Train the small English->French model that examples/translate.mjs uses by default, with real Keras 3.

The model is the character-level encoder-decoder of the Keras example `lstm_seq2seq` (and of the
tfjs-examples translation model the example also runs): LSTM(return_state) -> LSTM(return_sequences,
initial_state = the encoder's [h, c]) -> Dense(softmax), trained with teacher forcing. It is trained here on
the 50 short phrase pairs below only, so it knows those phrases and little else: it is a demonstration that
runs in a fresh clone, not a translator (the tfjs-examples model, trained on 150 000 pairs, is the real one).

Writes examples/models/translate/:
  model.keras    the trained model, as a Keras user saves it
  metadata.json  what decoding needs, in the tfjs-examples format: input_token_index, target_token_index,
                 max_encoder_seq_length, max_decoder_seq_length
  keras.json     Keras's own greedy translation of every phrase (encoder model, then a decoder model fed its
                 states back one character at a time), and the next-character probabilities of the first
                 decoder step for each phrase: the example's test compares wasm-rnn with both

Usage (from the repository root):  .venv/bin/python tools/gen_example_translate.py
"""

import json

import keras_common as kc  # first: it sets the environment before TensorFlow loads

import numpy as np
import keras
from keras import layers as L

OUT = kc.ROOT / "examples" / "models" / "translate"
UNITS = 64
START, END = "\t", "\n"

PAIRS = [
    ("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Wait!", "Attends !"), ("Hello!", "Bonjour !"),
    ("Thanks.", "Merci."), ("Come in.", "Entrez."), ("I see.", "Je vois."), ("I won!", "J'ai gagné !"),
    ("Goodbye!", "Au revoir !"), ("Help me.", "Aide-moi."), ("I'm OK.", "Je vais bien."), ("Be quiet.", "Tais-toi."),
    ("Sit down.", "Assieds-toi."), ("Who are you?", "Qui êtes-vous ?"), ("I love you.", "Je t'aime."),
    ("How are you?", "Comment ça va ?"), ("I'm hungry.", "J'ai faim."), ("I'm tired.", "Je suis fatigué."),
    ("Good night.", "Bonne nuit."), ("See you soon.", "À bientôt."), ("It's raining.", "Il pleut."),
    ("I don't know.", "Je ne sais pas."), ("Where is it?", "Où est-ce ?"), ("What time is it?", "Quelle heure est-il ?"),
    ("Thank you very much.", "Merci beaucoup."), ("I like cats.", "J'aime les chats."),
    ("The sky is blue.", "Le ciel est bleu."), ("Open the door.", "Ouvre la porte."), ("Call me.", "Appelle-moi."),
    ("Let's go!", "Allons-y !"), ("Be careful.", "Sois prudent."), ("Good morning.", "Bonjour."),
    ("I agree.", "Je suis d'accord."), ("Welcome.", "Bienvenue."), ("Excuse me.", "Excusez-moi."),
    ("I'm sorry.", "Je suis désolé."), ("Happy birthday!", "Joyeux anniversaire !"), ("Where are you?", "Où es-tu ?"),
    ("I understand.", "Je comprends."), ("Speak slowly.", "Parle lentement."), ("It's cold.", "Il fait froid."),
    ("It's hot.", "Il fait chaud."), ("I have a dog.", "J'ai un chien."), ("We are friends.", "Nous sommes amis."),
    ("Come here.", "Viens ici."), ("Listen to me.", "Écoute-moi."), ("Try again.", "Essaie encore."),
    ("I'm a student.", "Je suis étudiant."), ("Have a nice day.", "Bonne journée."),
]


def one_hot(texts, index, length):
    x = np.zeros((len(texts), length, len(index)), np.float32)
    for i, text in enumerate(texts):
        for t, ch in enumerate(text):
            x[i, t, index[ch]] = 1
    return x


def main():
    kc.seeded(2)  # a seed whose run learns all 50 phrases (some seeds leave one or two half-learnt)
    sources = [s for s, _ in PAIRS]
    targets = [START + t + END for _, t in PAIRS]
    in_index = {ch: i for i, ch in enumerate(sorted(set("".join(sources))))}
    out_index = {ch: i for i, ch in enumerate(sorted(set("".join(targets))))}
    max_enc = max(len(s) for s in sources)
    max_dec = max(len(t) for t in targets)
    enc_x = one_hot(sources, in_index, max_enc)
    dec_x = one_hot(targets, out_index, max_dec)
    dec_y = np.zeros_like(dec_x)
    dec_y[:, :-1] = dec_x[:, 1:]  # the next character at every step

    def build():
        encoder_inputs = keras.Input((None, len(in_index)), name="encoder_inputs")
        _, h, c = L.LSTM(UNITS, return_state=True, name="encoder_lstm")(encoder_inputs)
        decoder_inputs = keras.Input((None, len(out_index)), name="decoder_inputs")
        decoder_lstm = L.LSTM(UNITS, return_sequences=True, return_state=True, name="decoder_lstm")
        decoder_seq, _, _ = decoder_lstm(decoder_inputs, initial_state=[h, c])
        dense = L.Dense(len(out_index), activation="softmax", name="decoder_dense")
        model = keras.Model([encoder_inputs, decoder_inputs], dense(decoder_seq), name="translate_seq2seq")
        return model, encoder_inputs, h, c, decoder_lstm, dense

    model, encoder_inputs, h, c, decoder_lstm, dense = build()
    epochs, batch = 600, 10
    steps = epochs * -(-len(PAIRS) // batch)
    # cosine decay: a constant rate keeps knocking the memorised phrases out again late in training
    lr = keras.optimizers.schedules.CosineDecay(0.005, steps)
    model.compile(optimizer=keras.optimizers.Adam(lr, clipnorm=1.0), loss="categorical_crossentropy")
    model.fit([enc_x, dec_x], dec_y, epochs=epochs, batch_size=batch, verbose=0)

    # Keras's inference recipe: the same layers as an encoder model and a one-step decoder model
    encoder = keras.Model(encoder_inputs, [h, c])
    step_in = keras.Input((1, len(out_index)))
    h_in, c_in = keras.Input((UNITS,)), keras.Input((UNITS,))
    step_seq, h2, c2 = decoder_lstm(step_in, initial_state=[h_in, c_in])
    decoder = keras.Model([step_in, h_in, c_in], [dense(step_seq), h2, c2])
    chars = {i: ch for ch, i in out_index.items()}

    def translate(i):
        sh, sc = kc.predict(encoder, enc_x[i:i + 1])
        token, out, first = out_index[START], "", None
        while len(out) < max_dec:
            step = np.zeros((1, 1, len(out_index)), np.float32)
            step[0, 0, token] = 1
            probs, sh, sc = kc.predict(decoder, [step, sh, sc])
            first = probs[0, 0] if first is None else first
            token = int(np.argmax(probs[0, 0]))
            if chars[token] == END:
                break
            out += chars[token]
        return out, first

    results = [translate(i) for i in range(len(PAIRS))]
    right = sum(got == want for (got, _), (_, want) in zip(results, PAIRS))
    OUT.mkdir(parents=True, exist_ok=True)
    # saved uncompiled, as an inference model ships: without Adam's two slots per weight (a third of the size)
    shipped = build()[0]
    shipped.set_weights(model.get_weights())
    shipped.save(OUT / "model.keras")
    meta = {
        "input_token_index": in_index,
        "target_token_index": out_index,
        "max_encoder_seq_length": max_enc,
        "max_decoder_seq_length": max_dec,
    }
    (OUT / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    doc = {
        "generator": "tools/gen_example_translate.py",
        "keras_version": keras.__version__,
        "tolerance": kc.TOLERANCE,
        "pairs": [{"english": s, "french": t, "keras": got} for (s, t), (got, _) in zip(PAIRS, results)],
        "first_step_probabilities": kc.enc(np.stack([first for _, first in results])),
    }
    (OUT / "keras.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for (s, t), (got, _) in zip(PAIRS, results):
        if got != t:
            print(f"  {s!r}: Keras gives {got!r}, trained on {t!r}")
    print(f"wrote {OUT.relative_to(kc.ROOT)}: Keras translates {right}/{len(PAIRS)} phrases as trained")


if __name__ == "__main__":
    main()
