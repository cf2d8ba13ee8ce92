// Rust's standard library on WASI (wasm32-wasi): arguments, environment,
// clocks and sleep, files and directories in a preopen, refused escapes,
// stdin and the exit status. argv[1] is the preopened directory.
use std::fs;
use std::io::{BufRead, Read, Write};
use std::time::{Duration, Instant, SystemTime};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("args: {:?}", &args[1..]);
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    println!("vars: {:?}", vars);

    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(15));
    assert!(t0.elapsed() >= Duration::from_millis(15));
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert!(now.as_secs() > 1_600_000_000);
    println!("time: ok");

    let dir = &args[1];
    let p = format!("{}/rust.txt", dir);
    fs::write(&p, b"hello from rust\nline 2\n").unwrap();
    print!("read back: {}", fs::read_to_string(&p).unwrap());
    let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(b"appended\n").unwrap();
    drop(f);
    let meta = fs::metadata(&p).unwrap();
    println!("len {} file {}", meta.len(), meta.is_file());
    fs::create_dir_all(format!("{}/x/y/z", dir)).unwrap();
    fs::rename(&p, format!("{}/x/y/moved.txt", dir)).unwrap();
    let mut names: Vec<String> = fs::read_dir(format!("{}/x/y", dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    println!("dir: {:?}", names);
    let mut buf = String::new();
    fs::File::open(format!("{}/x/y/moved.txt", dir))
        .unwrap()
        .read_to_string(&mut buf)
        .unwrap();
    println!("lines: {}", buf.lines().count());
    for path in ["/etc/passwd".to_string(), format!("{}/../outside", dir)] {
        match fs::File::open(&path) {
            Ok(_) => println!("open {}: ESCAPED", path.replace(dir.as_str(), "DIR")),
            Err(_) => println!("open {}: refused", path.replace(dir.as_str(), "DIR")),
        }
    }
    fs::remove_dir_all(format!("{}/x", dir)).unwrap();
    println!("left: {}", fs::read_dir(dir).unwrap().count());

    let n = std::io::stdin().lock().lines().count();
    println!("stdin lines: {}", n);
    eprintln!("to stderr");
    std::process::exit(3);
}
