"""Which development-set messages may train: each reason to leave one out, in its order."""
import pytest
import yaml

from sciatica_rasa.development_training import Example, read_examples, select, training_yaml

PAGE = "https://forum.example.org/thread/1"


def example(text, intent="ask_hold_time", source=PAGE):
    return Example(text, intent, source)


def chosen(development, other_pages=(), fresh_sites=(), second=None, other_texts=()):
    second = second if second is not None else {e.text: e.intent for e in development}
    return select(development, set(other_pages), set(fresh_sites), second, other_texts)


def test_a_message_nothing_else_held_out_touches_may_train():
    kept, dropped = chosen([example("how long do I hold the stretch for")])
    assert [e.text for e in kept] == ["how long do I hold the stretch for"] and not dropped


def test_a_red_flag_message_stays_out_whatever_its_page():
    kept, dropped = chosen([example("I can't feel the toilet paper", intent="red_flag_emergency")])
    assert not kept and dropped == {"red-flag intent": 1}


def test_a_page_another_held_out_set_used_keeps_its_messages_out():
    kept, dropped = chosen([example("how long do I hold it")], other_pages=[PAGE])
    assert not kept and dropped == {"page of another held-out set": 1}


def test_a_site_of_a_fresh_set_keeps_its_messages_out_whatever_the_page():
    kept, dropped = chosen([example("how long do I hold it", source="https://www.forum.example.org/other")],
                           fresh_sites=["forum.example.org"])
    assert not kept and dropped == {"site of a fresh set": 1}


def test_a_message_the_second_labelling_reads_otherwise_stays_out():
    kept, dropped = chosen([example("is that too long")], second={"is that too long": "ask_frequency"})
    assert not kept and dropped == {"second labelling differs": 1}


def test_a_message_close_to_another_held_out_one_stays_out_and_a_different_one_does_not():
    near, different = example("How long should I hold a stretch?"), example("do I need a mat")
    kept, dropped = chosen([near, different], other_texts=["how long should i hold the stretch"])
    assert kept == [different] and dropped == {"close to another held-out message": 1}


def test_a_page_gives_two_examples_of_an_intent_and_a_site_eight():
    same_page = [example(f"hold it for {n} seconds?") for n in range(3)]
    same_site = [example(f"question {n}", intent=f"intent_{n}", source=f"https://forum.example.org/t/{n}")
                 for n in range(10)]
    kept, dropped = chosen(same_page + same_site)
    assert [e.text for e in kept[:2]] == ["hold it for 0 seconds?", "hold it for 1 seconds?"]
    assert len(kept) == 8 and dropped == {"page or site cap": 5}


def test_the_training_file_groups_by_intent_and_keeps_each_page():
    text = training_yaml([example("a"), example("b", intent="deny"), example("c")], header="generated")
    assert text.startswith("# generated\n")
    data = yaml.safe_load(text)
    assert [block["intent"] for block in data["nlu"]] == ["ask_hold_time", "deny"]
    assert data["nlu"][0]["examples"][1] == {"text": "c", "metadata": {"source": PAGE}}


def test_an_example_without_its_page_fails_at_load(tmp_path):
    path = tmp_path / "dev.yml"
    path.write_text("nlu:\n- intent: greet\n  examples:\n  - text: hi\n")
    with pytest.raises(ValueError, match="intent greet: every example needs text and metadata.source"):
        read_examples(path)
