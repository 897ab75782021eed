// Temporary: hunts generated scenarios that crash the process, writing each before it runs.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
fn main() {
    let start: u64 = std::env::args().nth(1).map(|a| a.parse().unwrap()).unwrap_or(0);
    let n: u64 = std::env::args().nth(2).map(|a| a.parse().unwrap()).unwrap_or(5000);
    let mut tally = faultline_tests::generate::Tally::default();
    for seed in start..start + n {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let len = (rng.next_u32() % 1536) as usize;
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        let g = faultline_tests::generate::from_bytes(&bytes);
        std::fs::write("/tmp/gen-hunt-case.txt", format!("seed {seed}\n{g:?}")).unwrap();
        let t = std::thread::spawn(move || faultline_tests::generate::exercise(&g)).join();
        match t {
            Ok(t) => { tally.refused += t.refused; tally.finished += t.finished; tally.limited += t.limited; }
            Err(_) => { eprintln!("panic at seed {seed}"); std::fs::copy("/tmp/gen-hunt-case.txt", format!("/tmp/gen-panic-{seed}.txt")).unwrap(); }
        }
    }
    eprintln!("{tally:?}");
}
