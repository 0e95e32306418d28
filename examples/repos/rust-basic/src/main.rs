// Planted problems for cargo clippy.
fn total(values: &Vec<i32>) -> i32 {
    let mut sum = 0;
    for i in 0..values.len() {
        sum += values[i];
    }
    return sum;
}

fn main() {
    let values = vec![1, 2, 3];
    if values.len() == 0 {
        println!("empty");
    }
    println!("{}", total(&values));
}
